variable "name" {
  type        = string
  description = "Name of the managed identity (3-128 letters, digits, '-' and '_', starting alphanumeric)."
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$", var.name))
    error_message = "name must be 3-128 letters, digits, '-' and '_', starting with a letter or digit."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the identity, e.g. westeurope."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9]+$", var.location))
    error_message = "location must be an Azure region name such as westeurope (lowercase, no spaces)."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Resource group that holds the identity (it must exist)."
  nullable    = false
}

variable "federated_credentials" {
  type = map(object({
    issuer   = string
    subject  = string
    audience = optional(string, "api://AzureADTokenExchange")
  }))
  description = "Federated credentials by name: the OIDC issuer and the exact subject allowed to sign in (a GitHub environment, pull requests, an Azure DevOps service connection)."
  nullable    = false

  validation {
    condition     = alltrue([for c in values(var.federated_credentials) : startswith(c.issuer, "https://") && length(c.subject) > 0 && !strcontains(c.subject, "*")])
    error_message = "federated credentials need an https:// issuer and one exact subject (no wildcards)."
  }
}

variable "subscription_id" {
  type        = string
  description = "Subscription of the resource groups the roles are assigned in."
  nullable    = false

  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", var.subscription_id))
    error_message = "subscription_id must be a subscription GUID."
  }
}

variable "role_assignments" {
  type = map(object({
    resource_group_name  = string
    resource_path        = optional(string, "")
    role_definition_name = string
    condition            = optional(string)
  }))
  description = "Roles the identity holds, by key. The scope is the resource group, or the resource at resource_path inside it (/providers/...): never a subscription or management group."
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for a in values(var.role_assignments) : can(regex("^[-\\w.()]{1,90}$", a.resource_group_name)) && (a.resource_path == "" || startswith(a.resource_path, "/providers/"))])
    error_message = "each role assignment needs a resource group name, and a resource_path that is empty or starts with /providers/."
  }

  validation {
    condition     = alltrue([for a in values(var.role_assignments) : !contains(["Owner", "User Access Administrator"], a.role_definition_name)])
    error_message = "Owner and User Access Administrator are never given to a CI identity; use Role Based Access Control Administrator with a condition."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the identity."
  default     = {}
  nullable    = false
}
