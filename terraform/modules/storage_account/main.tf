resource "azurerm_storage_account" "this" {
  #checkov:skip=CKV_AZURE_59:The public endpoint opens only with public_network_access_enabled (dev), behind a deny-by-default firewall that admits allowed_ip_ranges and trusted Azure services; prod keeps it off (tests/terraform/test_plan.py asserts both).
  #checkov:skip=CKV2_AZURE_1:Encrypted with Microsoft-managed keys plus infrastructure (double) encryption; customer-managed keys are opt-in per organisation.
  #checkov:skip=CKV2_AZURE_33:Private endpoints are the private_network module's concern (root: private_networking_enabled, on in prod).
  #checkov:skip=CKV_AZURE_33:Queue logging uses classic Storage Analytics (shared-key data plane); queue and blob logs go to Log Analytics through diagnostic settings instead.
  name                     = var.name
  resource_group_name      = var.resource_group_name
  location                 = var.location
  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = var.replication_type
  access_tier              = "Hot"

  https_traffic_only_enabled        = true
  min_tls_version                   = "TLS1_2"
  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  allow_nested_items_to_be_public   = false
  public_network_access_enabled     = var.public_network_access_enabled
  infrastructure_encryption_enabled = true
  cross_tenant_replication_enabled  = false
  local_user_enabled                = false
  sftp_enabled                      = false

  identity {
    type = "SystemAssigned"
  }

  network_rules {
    # Deny by default, also while the public endpoint is open: only allowed_ip_ranges and
    # trusted Azure services (the workspace, logging and metrics) get through.
    default_action = "Deny"
    bypass         = ["AzureServices", "Logging", "Metrics"]
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

  share_properties {
    retention_policy {
      days = var.soft_delete_retention_days
    }
  }

  sas_policy {
    expiration_period = "0.01:00:00"
    expiration_action = "Log"
  }

  tags = var.tags
}
