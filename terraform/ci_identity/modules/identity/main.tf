# One CI identity: a user-assigned managed identity that CI systems sign in as with a
# federated (OIDC) token, never a secret, and the roles it holds. A role assignment's scope
# is built from a resource group (and optionally a resource path inside it), so it cannot
# be a subscription or management group.

resource "azurerm_user_assigned_identity" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_federated_identity_credential" "this" {
  for_each = var.federated_credentials

  name                      = each.key
  user_assigned_identity_id = azurerm_user_assigned_identity.this.id
  issuer                    = each.value.issuer
  subject                   = each.value.subject
  audience                  = [each.value.audience]
}

resource "azurerm_role_assignment" "this" {
  for_each = var.role_assignments

  scope                = "/subscriptions/${var.subscription_id}/resourceGroups/${each.value.resource_group_name}${each.value.resource_path}"
  role_definition_name = each.value.role_definition_name
  principal_id         = azurerm_user_assigned_identity.this.principal_id
  principal_type       = "ServicePrincipal"
  condition            = each.value.condition
  condition_version    = each.value.condition == null ? null : "2.0"
  description          = "${var.name}: ${each.key}"
}
