variable "name" {
  type        = string
  description = "Name of the virtual network; subnets, security groups, DNS links and private endpoints derive their names from it."
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]$", var.name))
    error_message = "name must be 2-64 letters, digits and '-_.', starting alphanumeric and ending alphanumeric or '_'."
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
