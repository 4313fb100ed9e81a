# Azure's naming and value rules, one source with mlops_toolkit.naming (../naming/rules.json).
locals {
  rules = jsondecode(file("${path.module}/../naming/rules.json"))
}

variable "name" {
  type        = string
  description = "Globally unique Key Vault name: 3-24 letters, digits and single hyphens, starting with a letter."
  nullable    = false

  validation {
    condition     = length(var.name) >= local.rules.names.key_vault.min_length && length(var.name) <= local.rules.names.key_vault.max_length && can(regex(local.rules.names.key_vault.pattern, var.name)) && alltrue([for s in local.rules.names.key_vault.forbidden_substrings : !strcontains(var.name, s)])
    error_message = "name must be ${local.rules.names.key_vault.summary}, got \"${var.name}\"."
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

variable "tenant_id" {
  type        = string
  description = "Microsoft Entra tenant ID (GUID) that authenticates requests to the vault."
  nullable    = false

  validation {
    condition     = length(var.tenant_id) >= local.rules.formats.guid.min_length && length(var.tenant_id) <= local.rules.formats.guid.max_length && can(regex(local.rules.formats.guid.pattern, var.tenant_id)) && alltrue([for s in local.rules.formats.guid.forbidden_substrings : !strcontains(var.tenant_id, s)])
    error_message = "tenant_id must be ${local.rules.formats.guid.summary}."
  }
}

variable "sku_name" {
  type        = string
  description = "Key Vault SKU: standard or premium (HSM-backed keys)."
  default     = "standard"
  nullable    = false

  validation {
    condition     = contains(["standard", "premium"], var.sku_name)
    error_message = "sku_name must be standard or premium."
  }
}

variable "public_network_access_enabled" {
  type        = bool
  description = "Whether the public endpoint is open. When false, access is through private endpoints and trusted Azure services only."
  default     = false
  nullable    = false
}

variable "allowed_ip_ranges" {
  type        = list(string)
  description = "Public IPv4 addresses or CIDR blocks let through the deny-by-default firewall while the public endpoint is open."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for ip in var.allowed_ip_ranges : try(can(regex(local.rules.allowed_ip_range.pattern, ip)) && cidrhost(strcontains(ip, "/") ? ip : "${ip}/32", 0) == split("/", ip)[0] && alltrue([for b in local.rules.allowed_ip_range.reserved_ranges : cidrhost("${split("/", ip)[0]}/${min(tonumber(split("/", b)[1]), strcontains(ip, "/") ? tonumber(split("/", ip)[1]) : 32)}", 0) != cidrhost("${split("/", b)[0]}/${min(tonumber(split("/", b)[1]), strcontains(ip, "/") ? tonumber(split("/", ip)[1]) : 32)}", 0)]), false)])
    error_message = "allowed_ip_ranges must hold ${local.rules.allowed_ip_range.summary}; got ${jsonencode(var.allowed_ip_ranges)}."
  }
  validation {
    condition     = length(var.allowed_ip_ranges) == 0 || var.public_network_access_enabled
    error_message = "allowed_ip_ranges has no effect while public_network_access_enabled is false; leave it empty."
  }
}

variable "soft_delete_retention_days" {
  type        = number
  description = "Days a deleted vault and its objects stay recoverable (7-90). Purge protection keeps them for the whole period."
  default     = 90
  nullable    = false

  validation {
    condition     = var.soft_delete_retention_days >= 7 && var.soft_delete_retention_days <= 90 && floor(var.soft_delete_retention_days) == var.soft_delete_retention_days
    error_message = "soft_delete_retention_days must be a whole number from 7 to 90."
  }
}
