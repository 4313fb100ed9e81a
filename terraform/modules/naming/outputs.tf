output "names" {
  description = "Every resource name of the environment (derived, then overridden where `overrides` says so)."
  value = {
    resource_group       = local.names.resource_group
    storage_account      = local.names.storage_account
    key_vault            = local.names.key_vault
    container_registry   = local.names.container_registry
    log_analytics        = local.names.log_analytics
    application_insights = local.names.application_insights
    workspace            = local.names.workspace
    action_group         = local.names.action_group
    virtual_network      = local.names.virtual_network
    online_endpoint      = local.names.online_endpoint
  }
}

output "suffix" {
  description = "The 4-hex-character unique suffix, or \"\" when use_unique_suffix is false."
  value       = local.suffix
}

output "base" {
  description = "The common stem \"<namespace>-<postfix><environment>\" for names of resources the module does not list."
  value       = local.base
}
