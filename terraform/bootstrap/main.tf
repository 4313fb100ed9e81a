data "azurerm_client_config" "current" {}

locals {
  state_contributors = length(var.state_contributor_principal_ids) > 0 ? var.state_contributor_principal_ids : [data.azurerm_client_config.current.object_id]
}

resource "azurerm_resource_group" "state" {
  name     = var.resource_group_name
  location = var.location
  tags     = var.tags
}

resource "azurerm_storage_account" "state" {
  #checkov:skip=CKV2_AZURE_1:State is encrypted with Microsoft-managed keys plus infrastructure (double) encryption; a customer-managed key would need a Key Vault before state exists.
  #checkov:skip=CKV_AZURE_33:Queue logging uses classic Storage Analytics (shared-key data plane); the state account has no queues.
  #checkov:skip=CKV2_AZURE_33:Hosted CI runners reach state over the public endpoint with Azure AD auth only (shared keys off); narrow it with allowed_ip_ranges.
  #checkov:skip=CKV_AZURE_59:Hosted CI runners reach state over the public endpoint with Azure AD auth only (shared keys off); narrow it with allowed_ip_ranges.
  name                     = var.storage_account_name
  resource_group_name      = azurerm_resource_group.state.name
  location                 = azurerm_resource_group.state.location
  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = "GZRS"

  https_traffic_only_enabled        = true
  min_tls_version                   = "TLS1_2"
  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  allow_nested_items_to_be_public   = false
  public_network_access_enabled     = true
  infrastructure_encryption_enabled = true
  cross_tenant_replication_enabled  = false
  local_user_enabled                = false
  sftp_enabled                      = false

  network_rules {
    #checkov:skip=CKV_AZURE_35:Deny-by-default applies as soon as allowed_ip_ranges is set; empty keeps hosted CI runners working.
    default_action = length(var.allowed_ip_ranges) > 0 ? "Deny" : "Allow"
    bypass         = ["AzureServices"]
    ip_rules       = var.allowed_ip_ranges
  }

  blob_properties {
    versioning_enabled  = true
    change_feed_enabled = true

    delete_retention_policy {
      days = var.soft_delete_retention_days
    }

    container_delete_retention_policy {
      days = var.soft_delete_retention_days
    }
  }

  sas_policy {
    expiration_period = "0.01:00:00"
    expiration_action = "Log"
  }

  tags = var.tags
}

resource "azurerm_storage_container" "state" {
  #checkov:skip=CKV2_AZURE_21:No Log Analytics workspace exists before the state account; state changes are kept as blob versions and audited in Azure AD sign-in logs.
  name                  = var.container_name
  storage_account_id    = azurerm_storage_account.state.id
  container_access_type = "private"
}

# State is precious: the account cannot be deleted while this lock exists.
resource "azurerm_management_lock" "state" {
  name       = "lock-${var.storage_account_name}"
  scope      = azurerm_storage_account.state.id
  lock_level = "CanNotDelete"
  notes      = "Holds Terraform state; remove this lock deliberately before deleting the account."
}

resource "azurerm_role_assignment" "state_contributor" {
  for_each = toset(local.state_contributors)

  scope                = azurerm_storage_container.state.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = each.value
}
