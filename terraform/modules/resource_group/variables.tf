# Azure's naming and value rules, one source with mlops_toolkit.naming (../naming/rules.json).
locals {
  rules = jsondecode(file("${path.module}/../naming/rules.json"))
}

variable "name" {
  type        = string
  description = "Name of the resource group (1-90 letters, digits, '-', '_', '.', '()'; not ending in '.')."
  nullable    = false

  validation {
    condition     = length(var.name) >= local.rules.names.resource_group.min_length && length(var.name) <= local.rules.names.resource_group.max_length && can(regex(local.rules.names.resource_group.pattern, var.name)) && alltrue([for s in local.rules.names.resource_group.forbidden_substrings : !strcontains(var.name, s)])
    error_message = "name must be ${local.rules.names.resource_group.summary}, got \"${var.name}\"."
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

