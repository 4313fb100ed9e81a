output "subscription_id" {
  description = "Subscription of the environment."
  value       = local.subscription
}

output "resource_group_name" {
  description = "Resource group name."
  value       = terraform_data.resource_group.output.name
}

output "location" {
  description = "Azure region."
  value       = terraform_data.resource_group.output.location
}

output "workspace_name" {
  description = "Azure ML workspace name."
  value       = var.names["workspace"]
}

output "workspace_id" {
  description = "Azure ML workspace resource id."
  value       = terraform_data.workspace.output.id
}

output "container_registry_id" {
  description = "Container registry resource id."
  value       = terraform_data.container_registry.output.id
}

output "container_registry_login_server" {
  description = "Container registry login server."
  value       = terraform_data.container_registry.output.login_server
}

output "key_vault_id" {
  description = "Key Vault resource id."
  value       = terraform_data.key_vault.output.id
}

output "key_vault_uri" {
  description = "Key Vault URI."
  value       = terraform_data.key_vault.output.uri
}

output "application_insights_id" {
  description = "Application Insights resource id."
  value       = terraform_data.monitoring.output.application_insights_id
}

output "application_insights_connection_string" {
  description = "Application Insights connection string (sensitive)."
  value       = "InstrumentationKey=00000000-0000-0000-0000-000000000000"
  sensitive   = true
}

output "storage_account_id" {
  description = "Storage account resource id."
  value       = terraform_data.storage_account.output.id
}

output "log_analytics_workspace_id" {
  description = "Log Analytics workspace resource id."
  value       = terraform_data.monitoring.output.log_analytics_id
}

output "compute_cluster_names" {
  description = "Compute cluster names by role."
  value       = { for role, cluster in terraform_data.compute_cluster : role => cluster.output.name }
}

output "action_group_id" {
  description = "Action group resource id (null when alerts are disabled)."
  value       = var.alerts.enabled ? terraform_data.action_group[0].output.id : null
}
