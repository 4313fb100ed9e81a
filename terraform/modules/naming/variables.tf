# Azure's naming and value rules, one source with mlops_toolkit.naming (rules.json, which
# rules_document() generates); every module reads them for its variable validations.
locals {
  rules = jsondecode(file("${path.module}/rules.json"))
}

variable "namespace" {
  type        = string
  description = "Short project namespace: 2-8 lowercase letters or digits, starting with a letter (e.g. mlopstk)."
  nullable    = false

  validation {
    condition     = length(var.namespace) >= local.rules.formats.namespace.min_length && length(var.namespace) <= local.rules.formats.namespace.max_length && can(regex(local.rules.formats.namespace.pattern, var.namespace)) && alltrue([for s in local.rules.formats.namespace.forbidden_substrings : !strcontains(var.namespace, s)])
    error_message = "namespace must be ${local.rules.formats.namespace.summary}, got \"${var.namespace}\"."
  }
}

variable "postfix" {
  type        = string
  description = "1-4 digits; change it to get a fresh set of names (e.g. when a soft-deleted Key Vault still holds the old one)."
  nullable    = false

  validation {
    condition     = length(var.postfix) >= local.rules.formats.postfix.min_length && length(var.postfix) <= local.rules.formats.postfix.max_length && can(regex(local.rules.formats.postfix.pattern, var.postfix)) && alltrue([for s in local.rules.formats.postfix.forbidden_substrings : !strcontains(var.postfix, s)])
    error_message = "postfix must be ${local.rules.formats.postfix.summary}, got \"${var.postfix}\"."
  }
}

variable "environment" {
  type        = string
  description = "Environment the names belong to: dev, test or prod."
  nullable    = false

  validation {
    condition     = contains(["dev", "test", "prod"], var.environment)
    error_message = "environment must be one of dev, test, prod, got \"${var.environment}\"."
  }
}

variable "subscription_id" {
  type        = string
  description = "Subscription GUID that seeds the unique suffix; null or \"\" seeds it with the empty string."
  default     = null

  validation {
    condition     = var.subscription_id == null || var.subscription_id == "" || try(length(var.subscription_id) >= local.rules.formats.guid.min_length && length(var.subscription_id) <= local.rules.formats.guid.max_length && can(regex(local.rules.formats.guid.pattern, var.subscription_id)) && alltrue([for s in local.rules.formats.guid.forbidden_substrings : !strcontains(var.subscription_id, s)]), false)
    error_message = "subscription_id must be ${local.rules.formats.guid.summary}, \"\" or null."
  }
}

variable "use_unique_suffix" {
  type        = bool
  description = "Append 4 hex characters of sha256(\"<subscription_id>/<environment>\") to every name."
  default     = false
  nullable    = false
}

variable "overrides" {
  type        = map(string)
  description = "Names to use instead of the derived ones, keyed like the `names` output; each is checked against Azure's naming rules."
  default     = {}
  nullable    = false

  validation {
    condition = alltrue([for key in keys(var.overrides) : contains([
      "resource_group", "storage_account", "key_vault", "container_registry", "log_analytics",
      "application_insights", "workspace", "action_group", "virtual_network", "online_endpoint",
    ], key)])
    error_message = "overrides keys must be names of the `names` output (resource_group, storage_account, key_vault, container_registry, log_analytics, application_insights, workspace, action_group, virtual_network, online_endpoint)."
  }
  validation {
    condition     = alltrue([for k, v in var.overrides : try(length(v) >= local.rules.names[k].min_length && length(v) <= local.rules.names[k].max_length && can(regex(local.rules.names[k].pattern, v)) && alltrue([for s in local.rules.names[k].forbidden_substrings : !strcontains(v, s)]), false)])
    error_message = "overrides break Azure's naming rules: ${join("; ", [for k, v in var.overrides : "${k} must be ${try(local.rules.names[k].summary, "a known name")}, got \"${v}\"" if !try(length(v) >= local.rules.names[k].min_length && length(v) <= local.rules.names[k].max_length && can(regex(local.rules.names[k].pattern, v)) && alltrue([for s in local.rules.names[k].forbidden_substrings : !strcontains(v, s)]), false)])}."
  }
}
