output "action_group_id" {
  description = "Resource ID of the action group that the alert rules notify."
  value       = azurerm_monitor_action_group.this.id
}

output "metric_alert_ids" {
  description = "Resource IDs of the workspace metric alert rules, keyed by rule (model-deploy-failed, quota-utilization, unusable-nodes, failed-runs)."
  value       = { for key, alert in azurerm_monitor_metric_alert.workspace : key => alert.id }
}
