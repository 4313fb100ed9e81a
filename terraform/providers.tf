# Authentication comes from the environment, never from this file: OIDC workload
# identity in CI (ARM_USE_OIDC=true, ARM_CLIENT_ID, ARM_TENANT_ID), the Azure CLI
# at a terminal. No client secrets, no storage access keys.
provider "azurerm" {
  # "" means unknown here: the provider then reads ARM_SUBSCRIPTION_ID.
  subscription_id     = var.subscription_id == "" ? null : var.subscription_id
  storage_use_azuread = true

  features {
    key_vault {
      # Purge protection is on: a destroyed vault is kept, never purged.
      purge_soft_delete_on_destroy    = false
      recover_soft_deleted_key_vaults = true
    }

    machine_learning {
      purge_soft_deleted_workspace_on_destroy = false
    }

    resource_group {
      prevent_deletion_if_contains_resources = true
    }

    storage {
      # Create and read storage accounts through Azure Resource Manager only: the 4.x
      # provider otherwise calls the account's data plane, which a deny-by-default
      # firewall (or a disabled public endpoint) answers with 403 from the deploying host.
      data_plane_available = false
    }
  }
}
