resource "azurerm_machine_learning_workspace" "this" {
  name                    = var.name
  resource_group_name     = var.resource_group_name
  location                = var.location
  friendly_name           = coalesce(var.friendly_name, var.name)
  storage_account_id      = var.storage_account_id
  key_vault_id            = var.key_vault_id
  container_registry_id   = var.container_registry_id
  application_insights_id = var.application_insights_id

  # Datastores reach storage with the workspace identity: the account has shared keys off.
  storage_account_access_type   = "Identity"
  public_network_access_enabled = var.public_network_access_enabled
  high_business_impact          = var.high_business_impact
  image_build_compute_name      = var.image_build_compute_name
  v1_legacy_mode_enabled        = false
  sku_name                      = "Basic"

  identity {
    type = "SystemAssigned"
  }

  managed_network {
    isolation_mode = var.managed_network_isolation
  }

  tags = var.tags
}
