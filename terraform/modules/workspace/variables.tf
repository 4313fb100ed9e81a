# Azure's naming and value rules, one source with mlops_toolkit.naming (../naming/rules.json).
locals {
  rules = jsondecode(file("${path.module}/../naming/rules.json"))
}

variable "name" {
  type        = string
  description = "Name of the Azure ML workspace: 3-33 letters, digits, '-' and '_', starting alphanumeric."
  nullable    = false

  validation {
    condition     = length(var.name) >= local.rules.names.workspace.min_length && length(var.name) <= local.rules.names.workspace.max_length && can(regex(local.rules.names.workspace.pattern, var.name)) && alltrue([for s in local.rules.names.workspace.forbidden_substrings : !strcontains(var.name, s)])
    error_message = "name must be ${local.rules.names.workspace.summary}, got \"${var.name}\"."
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

variable "storage_account_id" {
  type        = string
  description = "Resource ID of the storage account the workspace uses."
  nullable    = false

  validation {
    condition     = can(regex("^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/.+$", var.storage_account_id))
    error_message = "storage_account_id must be an Azure resource ID (/subscriptions/.../resourceGroups/.../providers/...)."
  }
}

variable "key_vault_id" {
  type        = string
  description = "Resource ID of the key vault the workspace uses."
  nullable    = false

  validation {
    condition     = can(regex("^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/.+$", var.key_vault_id))
    error_message = "key_vault_id must be an Azure resource ID (/subscriptions/.../resourceGroups/.../providers/...)."
  }
}

variable "container_registry_id" {
  type        = string
  description = "Resource ID of the container registry the workspace uses."
  nullable    = false

  validation {
    condition     = can(regex("^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/.+$", var.container_registry_id))
    error_message = "container_registry_id must be an Azure resource ID (/subscriptions/.../resourceGroups/.../providers/...)."
  }
}

variable "application_insights_id" {
  type        = string
  description = "Resource ID of the application insights the workspace uses."
  nullable    = false

  validation {
    condition     = can(regex("^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/.+$", var.application_insights_id))
    error_message = "application_insights_id must be an Azure resource ID (/subscriptions/.../resourceGroups/.../providers/...)."
  }
}

variable "public_network_access_enabled" {
  type        = bool
  description = "Whether the workspace is reachable over its public endpoint. When false, use private endpoints."
  default     = false
  nullable    = false
}

variable "managed_network_isolation" {
  type        = string
  description = "Managed virtual network isolation of the workspace: Disabled, AllowInternetOutbound or AllowOnlyApprovedOutbound."
  default     = "AllowOnlyApprovedOutbound"
  nullable    = false

  validation {
    condition     = contains(["Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"], var.managed_network_isolation)
    error_message = "managed_network_isolation must be Disabled, AllowInternetOutbound or AllowOnlyApprovedOutbound."
  }
}

variable "high_business_impact" {
  type        = bool
  description = "Flag the workspace as high business impact: less diagnostic data collected by the service, encrypted local scratch disks. Changing it recreates the workspace."
  default     = false
  nullable    = false
}

variable "image_build_compute_name" {
  type        = string
  description = "Compute cluster that builds environment images; needed when the registry is not publicly reachable. null uses serverless image builds."
  default     = null

  validation {
    condition     = var.image_build_compute_name == null || try(length(var.image_build_compute_name) >= local.rules.names.compute.min_length && length(var.image_build_compute_name) <= local.rules.names.compute.max_length && can(regex(local.rules.names.compute.pattern, var.image_build_compute_name)) && alltrue([for s in local.rules.names.compute.forbidden_substrings : !strcontains(var.image_build_compute_name, s)]), false)
    error_message = "image_build_compute_name must be a compute name: ${local.rules.names.compute.summary}."
  }
}

variable "friendly_name" {
  type        = string
  description = "Display name shown in Azure ML studio; null uses the workspace name."
  default     = null
}
