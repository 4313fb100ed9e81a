output "id" {
  description = "Resource ID of the Azure ML workspace."
  value       = azurerm_machine_learning_workspace.this.id
}

output "name" {
  description = "Name of the Azure ML workspace."
  value       = azurerm_machine_learning_workspace.this.name
}

output "workspace_guid" {
  description = "Immutable workspace GUID assigned by Azure ML."
  value       = azurerm_machine_learning_workspace.this.workspace_id
}

output "discovery_url" {
  description = "Discovery URL of the workspace's regional service endpoints."
  value       = azurerm_machine_learning_workspace.this.discovery_url
}

output "principal_id" {
  description = "Principal ID of the workspace's system-assigned identity."
  value       = azurerm_machine_learning_workspace.this.identity[0].principal_id
}
