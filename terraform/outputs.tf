# Saved by the toolkit after apply (`mlops-toolkit env outputs`); keep the names stable.

output "subscription_id" {
  description = "Subscription the environment was deployed into."
  value       = data.azurerm_client_config.current.subscription_id
}

output "resource_group_name" {
  description = "Name of the environment's resource group."
  value       = module.resource_group.name
}

output "location" {
  description = "Azure region of the environment."
  value       = module.resource_group.location
}

output "workspace_name" {
  description = "Name of the Azure ML workspace."
  value       = module.workspace.name
}

output "workspace_id" {
  description = "Resource ID of the Azure ML workspace."
  value       = module.workspace.id
}

output "container_registry_id" {
  description = "Resource ID of the container registry."
  value       = module.container_registry.id
}

output "container_registry_login_server" {
  description = "Login server of the container registry (<name>.azurecr.io)."
  value       = module.container_registry.login_server
}

output "key_vault_id" {
  description = "Resource ID of the Key Vault."
  value       = module.key_vault.id
}

output "key_vault_uri" {
  description = "URI of the Key Vault (https://<name>.vault.azure.net/)."
  value       = module.key_vault.vault_uri
}

output "application_insights_id" {
  description = "Resource ID of the workspace-based Application Insights component."
  value       = module.monitoring.application_insights_id
}

output "application_insights_connection_string" {
  description = "Connection string of Application Insights (for scoring telemetry)."
  value       = module.monitoring.application_insights_connection_string
  sensitive   = true
}

output "storage_account_id" {
  description = "Resource ID of the workspace's default storage account."
  value       = module.storage_account.id
}

output "log_analytics_workspace_id" {
  description = "Resource ID of the Log Analytics workspace that receives every diagnostic setting."
  value       = module.monitoring.log_analytics_workspace_id
}

output "compute_cluster_names" {
  description = "Names of the compute clusters, keyed cpu and gpu."
  value       = { for key, cluster in module.compute_cluster : key => cluster.name }
}

output "action_group_id" {
  description = "Resource ID of the action group that alert rules notify."
  value       = module.alerts.action_group_id
}
