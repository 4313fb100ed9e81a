# Azure's naming and value rules, one source with mlops_toolkit.naming (../naming/rules.json).
locals {
  rules = jsondecode(file("${path.module}/../naming/rules.json"))
}

variable "name" {
  type        = string
  description = "Name of the virtual network; subnets, security groups, DNS links and private endpoints derive their names from it."
  nullable    = false

  validation {
    condition     = length(var.name) >= local.rules.names.virtual_network.min_length && length(var.name) <= local.rules.names.virtual_network.max_length && can(regex(local.rules.names.virtual_network.pattern, var.name)) && alltrue([for s in local.rules.names.virtual_network.forbidden_substrings : !strcontains(var.name, s)])
    error_message = "name must be ${local.rules.names.virtual_network.summary}, got \"${var.name}\"."
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

variable "address_space" {
  type        = string
  description = "Private IPv4 CIDR block of the network, /8 to /24; the first two quarters become the training and private-endpoint subnets."
  nullable    = false

  validation {
    condition     = can(cidrhost(var.address_space, 0)) && tonumber(split("/", var.address_space)[1]) >= 8 && tonumber(split("/", var.address_space)[1]) <= 24
    error_message = "address_space must be an IPv4 CIDR block between /8 and /24, e.g. 10.10.0.0/16."
  }
}

variable "private_endpoints" {
  type = map(object({
    resource_id       = string
    subresource_names = list(string)
    dns_zone_keys     = list(string)
  }))
  description = "Private endpoints to create in the endpoint subnet, keyed by a short label: the target resource, its sub-resources (blob, vault, registry, amlworkspace, ...) and the keys of private_dns_zones that resolve it."
  default     = {}
  nullable    = false
}

variable "private_dns_zones" {
  type        = map(string)
  description = "Private DNS zones to create and link to the network, keyed by label. The defaults are Azure public cloud's privatelink zones for the workspace and its dependencies."
  default = {
    blob      = "privatelink.blob.core.windows.net"
    file      = "privatelink.file.core.windows.net"
    vault     = "privatelink.vaultcore.azure.net"
    registry  = "privatelink.azurecr.io"
    workspace = "privatelink.api.azureml.ms"
    notebooks = "privatelink.notebooks.azure.net"
  }
  nullable = false

  validation {
    condition     = alltrue([for zone in values(var.private_dns_zones) : can(regex("^privatelink\\.[a-z0-9.-]+$", zone))])
    error_message = "private_dns_zones values must be privatelink DNS zone names."
  }
}
