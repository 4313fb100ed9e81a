# Credentials come from the environment (OIDC in CI with ARM_USE_OIDC=true, or the
# Azure CLI), never from this file.
provider "azurerm" {
  subscription_id     = var.subscription_id == "" ? null : var.subscription_id
  storage_use_azuread = true

  features {
    resource_group {
      prevent_deletion_if_contains_resources = true
    }

    storage {
      # Azure Resource Manager only: no data-plane calls that allowed_ip_ranges could block.
      data_plane_available = false
    }
  }
}
