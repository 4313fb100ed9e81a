output "resource_group_name" {
  description = "Resource group of the state storage (backend resource_group_name)."
  value       = azurerm_resource_group.state.name
}

output "storage_account_name" {
  description = "State storage account (backend storage_account_name)."
  value       = azurerm_storage_account.state.name
}

output "container_name" {
  description = "State container (backend container_name)."
  value       = azurerm_storage_container.state.name
}

output "storage_account_id" {
  description = "Resource ID of the state storage account."
  value       = azurerm_storage_account.state.id
}

output "state_contributor_principal_ids" {
  description = "Object IDs granted Storage Blob Data Contributor on the state container."
  value       = sort(local.state_contributors)
}
