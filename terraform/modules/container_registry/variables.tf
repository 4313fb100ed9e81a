# Azure's naming and value rules, one source with mlops_toolkit.naming (../naming/rules.json).
locals {
  rules = jsondecode(file("${path.module}/../naming/rules.json"))
}

variable "name" {
  type        = string
  description = "Globally unique registry name: 5-50 letters and digits."
  nullable    = false

  validation {
    condition     = length(var.name) >= local.rules.names.container_registry.min_length && length(var.name) <= local.rules.names.container_registry.max_length && can(regex(local.rules.names.container_registry.pattern, var.name)) && alltrue([for s in local.rules.names.container_registry.forbidden_substrings : !strcontains(var.name, s)])
    error_message = "name must be ${local.rules.names.container_registry.summary}, got \"${var.name}\"."
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

variable "public_network_access_enabled" {
  type        = bool
  description = "Whether the public endpoint is open. When false, pulls and pushes go through private endpoints (and image export is disabled)."
  default     = false
  nullable    = false
}

variable "allowed_ip_ranges" {
  type        = list(string)
  description = "Public IPv4 addresses or CIDR blocks let through the deny-by-default registry firewall while the public endpoint is open."
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

variable "untagged_retention_days" {
  type        = number
  description = "Days after which untagged manifests are deleted (0-365; 0 deletes them at once)."
  default     = 7
  nullable    = false

  validation {
    condition     = var.untagged_retention_days >= 0 && var.untagged_retention_days <= 365 && floor(var.untagged_retention_days) == var.untagged_retention_days
    error_message = "untagged_retention_days must be a whole number from 0 to 365."
  }
}

variable "zone_redundancy_enabled" {
  type        = bool
  description = "Spread the registry over availability zones (needs a region with zones)."
  default     = true
  nullable    = false
}
