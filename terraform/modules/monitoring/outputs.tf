output "log_analytics_workspace_id" {
  description = "Resource ID of the Log Analytics workspace."
  value       = azurerm_log_analytics_workspace.this.id
}

output "log_analytics_workspace_customer_id" {
  description = "Workspace (customer) ID of Log Analytics, used by log queries."
  value       = azurerm_log_analytics_workspace.this.workspace_id
}

output "application_insights_id" {
  description = "Resource ID of the Application Insights component."
  value       = azurerm_application_insights.this.id
}

output "application_insights_connection_string" {
  description = "Connection string of the Application Insights component."
  value       = azurerm_application_insights.this.connection_string
  sensitive   = true
}

output "diagnostic_setting_ids" {
  description = "Resource IDs of the diagnostic settings, keyed like diagnostic_targets."
  value       = { for key, setting in azurerm_monitor_diagnostic_setting.this : key => setting.id }
}
