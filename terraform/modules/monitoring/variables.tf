# Azure's naming and value rules, one source with mlops_toolkit.naming (../naming/rules.json).
locals {
  rules = jsondecode(file("${path.module}/../naming/rules.json"))
}

variable "log_analytics_name" {
  type        = string
  description = "Name of the Log Analytics workspace: 4-63 letters, digits and hyphens, starting and ending alphanumeric."
  nullable    = false

  validation {
    condition     = length(var.log_analytics_name) >= local.rules.names.log_analytics.min_length && length(var.log_analytics_name) <= local.rules.names.log_analytics.max_length && can(regex(local.rules.names.log_analytics.pattern, var.log_analytics_name)) && alltrue([for s in local.rules.names.log_analytics.forbidden_substrings : !strcontains(var.log_analytics_name, s)])
    error_message = "log_analytics_name must be ${local.rules.names.log_analytics.summary}, got \"${var.log_analytics_name}\"."
  }
}

variable "application_insights_name" {
  type        = string
  description = "Name of the Application Insights component: 1-255 characters without %&\\?/, not ending in '.'."
  nullable    = false

  validation {
    condition     = length(var.application_insights_name) >= local.rules.names.application_insights.min_length && length(var.application_insights_name) <= local.rules.names.application_insights.max_length && can(regex(local.rules.names.application_insights.pattern, var.application_insights_name)) && alltrue([for s in local.rules.names.application_insights.forbidden_substrings : !strcontains(var.application_insights_name, s)])
    error_message = "application_insights_name must be ${local.rules.names.application_insights.summary}, got \"${var.application_insights_name}\"."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Name of the existing resource group that holds the resources."
  nullable    = false

  validation {
    condition     = length(var.resource_group_name) >= local.rules.names.resource_group.min_length && length(var.resource_group_name) <= local.rules.names.resource_group.max_length && can(regex(local.rules.names.resource_group.pattern, var.resource_group_name)) && alltrue([for s in local.rules.names.resource_group.forbidden_substrings : !strcontains(var.resource_group_name, s)])
    error_message = "resource_group_name must be ${local.rules.names.resource_group.summary}, got \"${var.resource_group_name}\"."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the resources, e.g. westeurope."
  nullable    = false

  validation {
    condition     = length(var.location) >= local.rules.formats.location.min_length && length(var.location) <= local.rules.formats.location.max_length && can(regex(local.rules.formats.location.pattern, var.location)) && alltrue([for s in local.rules.formats.location.forbidden_substrings : !strcontains(var.location, s)])
    error_message = "location must be ${local.rules.formats.location.summary}, got \"${var.location}\"."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource of the module."
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= local.rules.formats.tag_name.min_length && length(k) <= local.rules.formats.tag_name.max_length && can(regex(local.rules.formats.tag_name.pattern, k)) && alltrue([for s in local.rules.formats.tag_name.forbidden_substrings : !strcontains(k, s)]) && length(v) >= local.rules.formats.tag_value.min_length && length(v) <= local.rules.formats.tag_value.max_length && can(regex(local.rules.formats.tag_value.pattern, v)) && alltrue([for s in local.rules.formats.tag_value.forbidden_substrings : !strcontains(v, s)])])
    error_message = "tag names must be ${local.rules.formats.tag_name.summary} and tag values ${local.rules.formats.tag_value.summary}."
  }
}

variable "retention_days" {
  type        = number
  description = "Days Log Analytics and Application Insights keep data: one of the periods Application Insights accepts (30, 60, 90, 120, 180, 270, 365, 550, 730)."
  default     = 30
  nullable    = false

  validation {
    condition     = contains(local.rules.log_retention_days, var.retention_days)
    error_message = "retention_days must be one of ${join(", ", local.rules.log_retention_days)}, got ${var.retention_days}."
  }
}

variable "daily_quota_gb" {
  type        = number
  description = "Daily ingestion cap in GB for Log Analytics; -1 means no cap."
  default     = -1
  nullable    = false

  validation {
    condition     = var.daily_quota_gb == -1 || var.daily_quota_gb > 0
    error_message = "daily_quota_gb must be -1 (no cap) or a positive number."
  }
}

variable "diagnostic_targets" {
  type = map(object({
    resource_id       = string
    logs              = optional(bool, true)
    metric_categories = optional(list(string), ["AllMetrics"])
  }))
  description = "Resources whose diagnostic logs (category group allLogs) and metrics go to the Log Analytics workspace, keyed by a short label. Set logs = false for resources without log categories (a storage account; its logs live on its services) and metric_categories = [\"Transaction\"] for storage, which has no AllMetrics category."
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for t in values(var.diagnostic_targets) : t.logs || length(t.metric_categories) > 0])
    error_message = "a diagnostic target must send logs, metrics or both."
  }
  validation {
    condition     = alltrue([for t in values(var.diagnostic_targets) : can(regex("^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/.+$", t.resource_id))])
    error_message = "diagnostic_targets resource_id must be an Azure resource ID."
  }
}
