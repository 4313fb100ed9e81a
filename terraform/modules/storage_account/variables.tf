variable "name" {
  type        = string
  description = "Globally unique storage account name: 3-24 lowercase letters and digits."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.name))
    error_message = "name must be 3-24 lowercase letters and digits."
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
  description = "Public IPv4 addresses or CIDR ranges allowed through the firewall when the public endpoint is open and deny-by-default."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for ip in var.allowed_ip_ranges : can(cidrhost(strcontains(ip, "/") ? ip : "${ip}/32", 0))])
    error_message = "allowed_ip_ranges must hold IPv4 addresses or CIDR ranges."
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
