resource "azurerm_key_vault" "this" {
  #checkov:skip=CKV_AZURE_189:The public endpoint opens only with public_network_access_enabled (dev), behind a deny-by-default firewall that admits allowed_ip_ranges and trusted Azure services; prod keeps it off (tests/terraform/test_plan.py asserts both).
  #checkov:skip=CKV2_AZURE_32:Private endpoints are the private_network module's concern (root: private_networking_enabled, on in prod).
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  tenant_id           = var.tenant_id
  sku_name            = var.sku_name

  rbac_authorization_enabled      = true
  purge_protection_enabled        = true
  soft_delete_retention_days      = var.soft_delete_retention_days
  public_network_access_enabled   = var.public_network_access_enabled
  enabled_for_deployment          = false
  enabled_for_disk_encryption     = false
  enabled_for_template_deployment = false

  network_acls {
    # Deny by default, also while the public endpoint is open: only allowed_ip_ranges and
    # trusted Azure services (the workspace) get through.
    default_action = "Deny"
    bypass         = "AzureServices"
    ip_rules       = var.allowed_ip_ranges
  }

  tags = var.tags
}
