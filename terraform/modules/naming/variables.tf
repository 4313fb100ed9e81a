variable "namespace" {
  type        = string
  description = "Short project namespace: 2-8 lowercase letters or digits, starting with a letter (e.g. mlopstk)."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,7}$", var.namespace))
    error_message = "namespace must be 2-8 lowercase letters or digits starting with a letter, got \"${var.namespace}\"."
  }
}

variable "postfix" {
  type        = string
  description = "1-4 digits; change it to get a fresh set of names (e.g. when a soft-deleted Key Vault still holds the old one)."
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{1,4}$", var.postfix))
    error_message = "postfix must be 1-4 digits, got \"${var.postfix}\"."
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
    condition     = var.subscription_id == null || can(regex("^([0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})?$", var.subscription_id))
    error_message = "subscription_id must be a GUID, \"\" or null."
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
    condition     = !contains(keys(var.overrides), "resource_group") || can(regex("^[-\\w.()]{0,89}[-\\w()]$", var.overrides["resource_group"]))
    error_message = "overrides.resource_group must be 1-90 letters, digits, '-', '_', '.', '()' and must not end with '.'."
  }
  validation {
    condition     = !contains(keys(var.overrides), "storage_account") || can(regex("^[a-z0-9]{3,24}$", var.overrides["storage_account"]))
    error_message = "overrides.storage_account must be 3-24 lowercase letters and digits."
  }
  validation {
    condition     = !contains(keys(var.overrides), "key_vault") || (can(regex("^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$", var.overrides["key_vault"])) && !strcontains(lookup(var.overrides, "key_vault", ""), "--"))
    error_message = "overrides.key_vault must be 3-24 letters, digits and single hyphens, start with a letter and end with a letter or digit."
  }
  validation {
    condition     = !contains(keys(var.overrides), "container_registry") || can(regex("^[A-Za-z0-9]{5,50}$", var.overrides["container_registry"]))
    error_message = "overrides.container_registry must be 5-50 letters and digits."
  }
  validation {
    condition     = !contains(keys(var.overrides), "log_analytics") || can(regex("^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$", var.overrides["log_analytics"]))
    error_message = "overrides.log_analytics must be 4-63 letters, digits and hyphens, starting and ending alphanumeric."
  }
  validation {
    condition     = !contains(keys(var.overrides), "application_insights") || can(regex("^[^%&\\\\?/]{0,254}[^%&\\\\?/.]$", var.overrides["application_insights"]))
    error_message = "overrides.application_insights must be 1-255 characters without %&\\?/ and must not end with '.'."
  }
  validation {
    condition     = !contains(keys(var.overrides), "workspace") || can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{2,32}$", var.overrides["workspace"]))
    error_message = "overrides.workspace must be 3-33 letters, digits, '-' and '_', starting alphanumeric."
  }
  validation {
    condition     = !contains(keys(var.overrides), "action_group") || can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,259}$", var.overrides["action_group"]))
    error_message = "overrides.action_group must be 1-260 letters, digits and '-_.', starting alphanumeric."
  }
  validation {
    condition     = !contains(keys(var.overrides), "virtual_network") || can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]$", var.overrides["virtual_network"]))
    error_message = "overrides.virtual_network must be 2-64 letters, digits and '-_.', starting alphanumeric and ending alphanumeric or '_'."
  }
  validation {
    condition     = !contains(keys(var.overrides), "online_endpoint") || can(regex("^[A-Za-z][A-Za-z0-9-]{1,30}[A-Za-z0-9]$", var.overrides["online_endpoint"]))
    error_message = "overrides.online_endpoint must be 3-32 letters, digits and hyphens, starting with a letter."
  }
}
