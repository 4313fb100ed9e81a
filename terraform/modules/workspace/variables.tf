variable "name" {
  type        = string
  description = "Name of the Azure ML workspace: 3-33 letters, digits, '-' and '_', starting alphanumeric."
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{2,32}$", var.name))
    error_message = "name must be 3-33 letters, digits, '-' and '_', starting alphanumeric."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Name of the existing resource group that holds the resources."
  nullable    = false

  validation {
    condition     = can(regex("^[-\\w.()]{0,89}[-\\w()]$", var.resource_group_name))
    error_message = "resource_group_name must be 1-90 letters, digits, '-', '_', '.', '()' and must not end with '.'."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the resources, e.g. westeurope."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9]+$", var.location))
    error_message = "location must be an Azure region name such as westeurope (lowercase, no spaces)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource of the module."
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 512 && length(v) <= 256 && !can(regex("[<>%&\\\\?/]", k))])
    error_message = "tag names must be at most 512 characters without <>%&\\?/ and values at most 256 characters."
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
    condition     = var.image_build_compute_name == null || can(regex("^[A-Za-z][A-Za-z0-9-]{0,14}[A-Za-z0-9]$", var.image_build_compute_name))
    error_message = "image_build_compute_name must be a compute name: 2-16 letters, digits and hyphens, starting with a letter."
  }
}

variable "friendly_name" {
  type        = string
  description = "Display name shown in Azure ML studio; null uses the workspace name."
  default     = null
}
