# Azure's naming and value rules, one source with mlops_toolkit.naming (../modules/naming/rules.json).
locals {
  rules = jsondecode(file("${path.module}/../modules/naming/rules.json"))
}

variable "subscription_id" {
  type        = string
  description = "Subscription GUID that holds the state storage; \"\" lets the provider read ARM_SUBSCRIPTION_ID."
  default     = ""
  nullable    = false

  validation {
    condition     = var.subscription_id == "" || (length(var.subscription_id) >= local.rules.formats.guid.min_length && length(var.subscription_id) <= local.rules.formats.guid.max_length && can(regex(local.rules.formats.guid.pattern, var.subscription_id)) && alltrue([for s in local.rules.formats.guid.forbidden_substrings : !strcontains(var.subscription_id, s)]))
    error_message = "subscription_id must be ${local.rules.formats.guid.summary} or \"\"."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the state storage, e.g. westeurope."
  nullable    = false

  validation {
    condition     = length(var.location) >= local.rules.formats.location.min_length && length(var.location) <= local.rules.formats.location.max_length && can(regex(local.rules.formats.location.pattern, var.location)) && alltrue([for s in local.rules.formats.location.forbidden_substrings : !strcontains(var.location, s)])
    error_message = "location must be ${local.rules.formats.location.summary}, got \"${var.location}\"."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the state storage (terraform.state.resource_group in the config)."
  nullable    = false

  validation {
    condition     = length(var.resource_group_name) >= local.rules.names.resource_group.min_length && length(var.resource_group_name) <= local.rules.names.resource_group.max_length && can(regex(local.rules.names.resource_group.pattern, var.resource_group_name)) && alltrue([for s in local.rules.names.resource_group.forbidden_substrings : !strcontains(var.resource_group_name, s)])
    error_message = "resource_group_name must be ${local.rules.names.resource_group.summary}, got \"${var.resource_group_name}\"."
  }
}

variable "storage_account_name" {
  type        = string
  description = "Globally unique name of the state storage account (terraform.state.storage_account): 3-24 lowercase letters and digits."
  nullable    = false

  validation {
    condition     = length(var.storage_account_name) >= local.rules.names.storage_account.min_length && length(var.storage_account_name) <= local.rules.names.storage_account.max_length && can(regex(local.rules.names.storage_account.pattern, var.storage_account_name)) && alltrue([for s in local.rules.names.storage_account.forbidden_substrings : !strcontains(var.storage_account_name, s)])
    error_message = "storage_account_name must be ${local.rules.names.storage_account.summary}, got \"${var.storage_account_name}\"."
  }
}

variable "container_name" {
  type        = string
  description = "Blob container that holds the state files (terraform.state.container)."
  default     = "tfstate"
  nullable    = false

  validation {
    condition     = length(var.container_name) >= local.rules.names.storage_container.min_length && length(var.container_name) <= local.rules.names.storage_container.max_length && can(regex(local.rules.names.storage_container.pattern, var.container_name)) && alltrue([for s in local.rules.names.storage_container.forbidden_substrings : !strcontains(var.container_name, s)])
    error_message = "container_name must be ${local.rules.names.storage_container.summary}, got \"${var.container_name}\"."
  }
}

variable "state_contributor_principal_ids" {
  type        = list(string)
  description = "Object IDs of the identities that run Terraform (CI workload identity, operators); each gets Storage Blob Data Contributor on the container. Empty grants the identity running this bootstrap."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.state_contributor_principal_ids : length(id) >= local.rules.formats.guid.min_length && length(id) <= local.rules.formats.guid.max_length && can(regex(local.rules.formats.guid.pattern, id)) && alltrue([for s in local.rules.formats.guid.forbidden_substrings : !strcontains(id, s)])])
    error_message = "state_contributor_principal_ids must be object IDs: ${local.rules.formats.guid.summary}."
  }
}

variable "allowed_ip_ranges" {
  type        = list(string)
  description = "Public IPv4 addresses or CIDR blocks (no /31, /32, private or reserved ranges) allowed to reach the state account; empty leaves the endpoint open to Azure AD-authenticated callers anywhere (e.g. hosted CI runners)."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for ip in var.allowed_ip_ranges : try(can(regex(local.rules.allowed_ip_range.pattern, ip)) && cidrhost(strcontains(ip, "/") ? ip : "${ip}/32", 0) == split("/", ip)[0] && alltrue([for b in local.rules.allowed_ip_range.reserved_ranges : cidrhost("${split("/", ip)[0]}/${min(tonumber(split("/", b)[1]), strcontains(ip, "/") ? tonumber(split("/", ip)[1]) : 32)}", 0) != cidrhost("${split("/", b)[0]}/${min(tonumber(split("/", b)[1]), strcontains(ip, "/") ? tonumber(split("/", ip)[1]) : 32)}", 0)]), false)])
    error_message = "allowed_ip_ranges must hold ${local.rules.allowed_ip_range.summary}; got ${jsonencode(var.allowed_ip_ranges)}."
  }
}

variable "soft_delete_retention_days" {
  type        = number
  description = "Days that deleted state blobs, versions and containers stay recoverable (1-365)."
  default     = 90
  nullable    = false

  validation {
    condition     = var.soft_delete_retention_days >= 1 && var.soft_delete_retention_days <= 365 && floor(var.soft_delete_retention_days) == var.soft_delete_retention_days
    error_message = "soft_delete_retention_days must be a whole number from 1 to 365."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags on every resource of the state storage."
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= local.rules.formats.tag_name.min_length && length(k) <= local.rules.formats.tag_name.max_length && can(regex(local.rules.formats.tag_name.pattern, k)) && alltrue([for s in local.rules.formats.tag_name.forbidden_substrings : !strcontains(k, s)]) && length(v) >= local.rules.formats.tag_value.min_length && length(v) <= local.rules.formats.tag_value.max_length && can(regex(local.rules.formats.tag_value.pattern, v)) && alltrue([for s in local.rules.formats.tag_value.forbidden_substrings : !strcontains(v, s)])])
    error_message = "tag names must be ${local.rules.formats.tag_name.summary} and tag values ${local.rules.formats.tag_value.summary}."
  }
}
