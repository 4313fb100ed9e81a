variable "name" {
  type        = string
  description = "Globally unique Key Vault name: 3-24 letters, digits and single hyphens, starting with a letter."
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 3-24 letters, digits and single hyphens, start with a letter and end with a letter or digit."
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

variable "tenant_id" {
  type        = string
  description = "Microsoft Entra tenant ID (GUID) that authenticates requests to the vault."
  nullable    = false

  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", var.tenant_id))
    error_message = "tenant_id must be a GUID."
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
  description = "Public IPv4 addresses or CIDR ranges allowed through the firewall when the public endpoint is open."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for ip in var.allowed_ip_ranges : can(cidrhost(strcontains(ip, "/") ? ip : "${ip}/32", 0))])
    error_message = "allowed_ip_ranges must hold IPv4 addresses or CIDR ranges."
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
