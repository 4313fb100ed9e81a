# Azure's naming and value rules, one source with mlops_toolkit.naming (../naming/rules.json).
locals {
  rules = jsondecode(file("${path.module}/../naming/rules.json"))
}

variable "action_group_name" {
  type        = string
  description = "Name of the action group: 1-260 letters, digits and '-_.', starting alphanumeric."
  nullable    = false

  validation {
    condition     = length(var.action_group_name) >= local.rules.names.action_group.min_length && length(var.action_group_name) <= local.rules.names.action_group.max_length && can(regex(local.rules.names.action_group.pattern, var.action_group_name)) && alltrue([for s in local.rules.names.action_group.forbidden_substrings : !strcontains(var.action_group_name, s)])
    error_message = "action_group_name must be ${local.rules.names.action_group.summary}, got \"${var.action_group_name}\"."
  }
}

variable "action_group_short_name" {
  type        = string
  description = "Short name of the action group shown in SMS and e-mail (1-12 characters)."
  nullable    = false

  validation {
    condition     = length(var.action_group_short_name) >= 1 && length(var.action_group_short_name) <= 12
    error_message = "action_group_short_name must be 1-12 characters."
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

variable "workspace_id" {
  type        = string
  description = "Resource ID of the Azure ML workspace the alert rules watch."
  nullable    = false

  validation {
    condition     = can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft.MachineLearningServices/workspaces/[^/]+$", var.workspace_id))
    error_message = "workspace_id must be the resource ID of a Microsoft.MachineLearningServices/workspaces resource."
  }
}

variable "enabled" {
  type        = bool
  description = "Whether the alert rules evaluate and notify. The action group exists either way."
  default     = true
  nullable    = false
}

variable "email" {
  type        = string
  description = "E-mail address the action group notifies."
  nullable    = false

  validation {
    condition     = length(var.email) >= local.rules.formats.email.min_length && length(var.email) <= local.rules.formats.email.max_length && can(regex(local.rules.formats.email.pattern, var.email)) && alltrue([for s in local.rules.formats.email.forbidden_substrings : !strcontains(var.email, s)])
    error_message = "email must be ${local.rules.formats.email.summary}, got \"${var.email}\"."
  }
}

variable "webhook_url" {
  type        = string
  description = "Also notify this http(s) URL (a webhook receiver, common alert schema); null for none."
  default     = null

  validation {
    condition     = var.webhook_url == null || can(regex("^https?://[^\\s/?#]+", var.webhook_url))
    error_message = "webhook_url must be an http(s) URL or null."
  }
}

variable "quota_utilization_threshold" {
  type        = number
  description = "Alert when average quota utilisation of the workspace's clusters exceeds this percentage (1-100)."
  default     = 90
  nullable    = false

  validation {
    condition     = var.quota_utilization_threshold >= 1 && var.quota_utilization_threshold <= 100
    error_message = "quota_utilization_threshold must be from 1 to 100."
  }
}

variable "failed_runs_threshold" {
  type        = number
  description = "Alert when more runs than this fail within the evaluation window (0 alerts on the first failure)."
  default     = 0
  nullable    = false

  validation {
    condition     = var.failed_runs_threshold >= 0 && floor(var.failed_runs_threshold) == var.failed_runs_threshold
    error_message = "failed_runs_threshold must be a whole number of at least 0."
  }
}
