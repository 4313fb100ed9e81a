variable "log_analytics_name" {
  type        = string
  description = "Name of the Log Analytics workspace: 4-63 letters, digits and hyphens, starting and ending alphanumeric."
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$", var.log_analytics_name))
    error_message = "log_analytics_name must be 4-63 letters, digits and hyphens, starting and ending alphanumeric."
  }
}

variable "application_insights_name" {
  type        = string
  description = "Name of the Application Insights component: 1-255 characters without %&\\?/, not ending in '.'."
  nullable    = false

  validation {
    condition     = can(regex("^[^%&\\\\?/]{0,254}[^%&\\\\?/.]$", var.application_insights_name))
    error_message = "application_insights_name must be 1-255 characters without %&\\?/ and must not end with '.'."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Name of the existing resource group that holds the resources."
  nullable    = false

  validation {
    condition     = can(regex("^[-\\w.()]{0,89}[-\\w()]$", var.resource_group_name))
    error_message = "resource_group_name must be 1-90 letters, digits, '-', '_', '.', '()' and must not end with '.'."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the resources, e.g. westeurope."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9]+$", var.location))
    error_message = "location must be an Azure region name such as westeurope (lowercase, no spaces)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource of the module."
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 512 && length(v) <= 256 && !can(regex("[<>%&\\\\?/]", k))])
    error_message = "tag names must be at most 512 characters without <>%&\\?/ and values at most 256 characters."
  }
}

variable "retention_days" {
  type        = number
  description = "Days Log Analytics keeps logs (30-730)."
  default     = 30
  nullable    = false

  validation {
    condition     = var.retention_days >= 30 && var.retention_days <= 730 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days must be a whole number from 30 to 730."
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
