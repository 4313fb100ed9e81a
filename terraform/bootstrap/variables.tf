variable "subscription_id" {
  type        = string
  description = "Subscription GUID that holds the state storage; \"\" lets the provider read ARM_SUBSCRIPTION_ID."
  default     = ""
  nullable    = false

  validation {
    condition     = var.subscription_id == "" || can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", var.subscription_id))
    error_message = "subscription_id must be a subscription GUID or \"\"."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the state storage, e.g. westeurope."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9]+$", var.location))
    error_message = "location must be an Azure region name such as westeurope (lowercase, no spaces)."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the state storage (terraform.state.resource_group in the config)."
  nullable    = false

  validation {
    condition     = can(regex("^[-\\w.()]{0,89}[-\\w()]$", var.resource_group_name))
    error_message = "resource_group_name must be 1-90 letters, digits, '-', '_', '.', '()' and must not end with '.'."
  }
}

variable "storage_account_name" {
  type        = string
  description = "Globally unique name of the state storage account (terraform.state.storage_account): 3-24 lowercase letters and digits."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.storage_account_name))
    error_message = "storage_account_name must be 3-24 lowercase letters and digits."
  }
}

variable "container_name" {
  type        = string
  description = "Blob container that holds the state files (terraform.state.container)."
  default     = "tfstate"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.container_name)) && !strcontains(var.container_name, "--")
    error_message = "container_name must be 3-63 lowercase letters, digits and single hyphens."
  }
}

variable "state_contributor_principal_ids" {
  type        = list(string)
  description = "Object IDs of the identities that run Terraform (CI workload identity, operators); each gets Storage Blob Data Contributor on the container. Empty grants the identity running this bootstrap."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.state_contributor_principal_ids : can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", id))])
    error_message = "state_contributor_principal_ids must be object ID GUIDs."
  }
}

variable "allowed_ip_ranges" {
  type        = list(string)
  description = "Public IPv4 addresses or CIDR ranges allowed to reach the state account; empty leaves the endpoint open to Azure AD-authenticated callers anywhere (e.g. hosted CI runners)."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for ip in var.allowed_ip_ranges : can(cidrhost(strcontains(ip, "/") ? ip : "${ip}/32", 0))])
    error_message = "allowed_ip_ranges must hold IPv4 addresses or CIDR ranges."
  }
}

variable "soft_delete_retention_days" {
  type        = number
  description = "Days that deleted state blobs, versions and containers stay recoverable (1-365)."
  default     = 90
  nullable    = false

  validation {
    condition     = var.soft_delete_retention_days >= 1 && var.soft_delete_retention_days <= 365 && floor(var.soft_delete_retention_days) == var.soft_delete_retention_days
    error_message = "soft_delete_retention_days must be a whole number from 1 to 365."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags on every resource of the state storage."
  default     = {}
  nullable    = false
}
