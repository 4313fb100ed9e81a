resource "azurerm_machine_learning_workspace" "this" {
  #checkov:skip=CKV_AZURE_144:The public endpoint opens only with public_network_access_enabled (dev) and takes Azure AD-authenticated calls only (the provider has no IP allow list for workspaces); prod keeps it off (tests/terraform/test_plan.py asserts both).
  #checkov:skip=CKV2_AZURE_49:Same as CKV_AZURE_144: public network access is on only in dev, where the workspace's storage, Key Vault and registry deny by default.
  #checkov:skip=CKV2_AZURE_50:checkov cannot follow the storage_account_id input to the account; that account denies by default everywhere and has public access off in prod, the high business impact environment (asserted on the plan by tests/terraform/test_plan.py).
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
