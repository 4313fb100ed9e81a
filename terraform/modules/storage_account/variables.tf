# Azure's naming and value rules, one source with mlops_toolkit.naming (../naming/rules.json).
locals {
  rules = jsondecode(file("${path.module}/../naming/rules.json"))
}

variable "name" {
  type        = string
  description = "Globally unique storage account name: 3-24 lowercase letters and digits."
  nullable    = false

  validation {
    condition     = length(var.name) >= local.rules.names.storage_account.min_length && length(var.name) <= local.rules.names.storage_account.max_length && can(regex(local.rules.names.storage_account.pattern, var.name)) && alltrue([for s in local.rules.names.storage_account.forbidden_substrings : !strcontains(var.name, s)])
    error_message = "name must be ${local.rules.names.storage_account.summary}, got \"${var.name}\"."
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

variable "replication_type" {
  type        = string
  description = "Redundancy of the account: GRS, RAGRS, GZRS or RAGZRS (geo-redundant, so a regional outage loses no data)."
  default     = "GRS"
  nullable    = false

  validation {
    condition     = contains(["GRS", "RAGRS", "GZRS", "RAGZRS"], var.replication_type)
    error_message = "replication_type must be one of GRS, RAGRS, GZRS, RAGZRS."
  }
}

variable "public_network_access_enabled" {
  type        = bool
  description = "Whether the public endpoint is open. When false, traffic comes through private endpoints and trusted Azure services only."
  default     = false
  nullable    = false
}

variable "allowed_ip_ranges" {
  type        = list(string)
  description = "Public IPv4 addresses or CIDR blocks (no /31, /32 or private ranges) let through the deny-by-default firewall while the public endpoint is open."
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
  description = "Days that deleted blobs and containers stay recoverable (1-365)."
  default     = 30
  nullable    = false

  validation {
    condition     = var.soft_delete_retention_days >= 1 && var.soft_delete_retention_days <= 365 && floor(var.soft_delete_retention_days) == var.soft_delete_retention_days
    error_message = "soft_delete_retention_days must be a whole number from 1 to 365."
  }
}
