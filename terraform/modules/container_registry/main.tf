resource "azurerm_container_registry" "this" {
  #checkov:skip=CKV_AZURE_139:The public endpoint opens only with public_network_access_enabled (dev), behind a deny-by-default network rule set that admits allowed_ip_ranges and trusted Azure services; prod keeps it off (tests/terraform/test_plan.py asserts both).
  #checkov:skip=CKV_AZURE_165:Geo-replication doubles registry cost; images are rebuilt from source, so one region suffices.
  #checkov:skip=CKV_AZURE_166:Quarantine holds every pushed image until a scanner releases it, which blocks Azure ML environment builds.
  #checkov:skip=CKV_AZURE_164:Docker Content Trust (Notary v1) is being retired by Azure; access is Azure AD RBAC only.
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  # Premium: retention policy, private endpoints, zone redundancy, dedicated data endpoints.
  sku = "Premium"

  admin_enabled                 = false
  anonymous_pull_enabled        = false
  public_network_access_enabled = var.public_network_access_enabled
  export_policy_enabled         = var.public_network_access_enabled
  network_rule_bypass_option    = "AzureServices"
  retention_policy_in_days      = var.untagged_retention_days
  zone_redundancy_enabled       = var.zone_redundancy_enabled
  data_endpoint_enabled         = true

  # Deny by default, also while the public endpoint is open: only allowed_ip_ranges (as
  # CIDR blocks) and trusted Azure services get through.
  network_rule_set = [{
    default_action = "Deny"
    ip_rule        = [for ip in var.allowed_ip_ranges : { action = "Allow", ip_range = strcontains(ip, "/") ? ip : "${ip}/32" }]
  }]

  identity {
    type = "SystemAssigned"
  }

  tags = var.tags
}
