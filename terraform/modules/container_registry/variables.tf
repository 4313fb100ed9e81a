variable "name" {
  type        = string
  description = "Globally unique registry name: 5-50 letters and digits."
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9]{5,50}$", var.name))
    error_message = "name must be 5-50 letters and digits."
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

variable "public_network_access_enabled" {
  type        = bool
  description = "Whether the public endpoint is open. When false, pulls and pushes go through private endpoints (and image export is disabled)."
  default     = false
  nullable    = false
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
