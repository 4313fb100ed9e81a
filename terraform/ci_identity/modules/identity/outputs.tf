output "id" {
  description = "Resource ID of the managed identity."
  value       = azurerm_user_assigned_identity.this.id
}

output "client_id" {
  description = "Client (application) ID that CI signs in with: AZURE_CLIENT_ID. Not a secret."
  value       = azurerm_user_assigned_identity.this.client_id
}

output "principal_id" {
  description = "Object ID of the identity's service principal (what roles are assigned to)."
  value       = azurerm_user_assigned_identity.this.principal_id
}

output "tenant_id" {
  description = "Microsoft Entra tenant of the identity: AZURE_TENANT_ID."
  value       = azurerm_user_assigned_identity.this.tenant_id
}

output "role_assignment_scopes" {
  description = "Scope of each role assignment, by key."
  value       = { for key, a in azurerm_role_assignment.this : key => a.scope }
}
