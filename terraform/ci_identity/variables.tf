variable "subscription_id" {
  type        = string
  description = "Subscription of the environments' resource groups."
  nullable    = false

  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", var.subscription_id))
    error_message = "subscription_id must be a subscription GUID."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the identities, e.g. westeurope."
  default     = "westeurope"
  nullable    = false
}

variable "environments" {
  type = map(object({
    resource_group_name = string
    promotes_from       = optional(string)
  }))
  description = "Environments by name (dev, test, prod): the resource group each provisions into (`mlops-toolkit env show --env NAME`; it must exist) and the environment a model is promoted from into it."
  nullable    = false

  validation {
    condition     = length(var.environments) > 0 && alltrue([for k in keys(var.environments) : contains(["dev", "test", "prod"], k)])
    error_message = "environments must name dev, test or prod."
  }

  validation {
    condition     = alltrue([for e in values(var.environments) : e.promotes_from == null || contains(keys(var.environments), coalesce(e.promotes_from, "-"))])
    error_message = "promotes_from must name another environment of the map."
  }
}

variable "state" {
  type = object({
    resource_group_name  = string
    storage_account_name = string
    container            = optional(string, "tfstate")
  })
  description = "Terraform remote state (config terraform.state): CI identities get blob access to this container only."
  nullable    = false
}

variable "github" {
  type = object({
    repository = string
  })
  description = "GitHub repository (owner/name) whose workflows sign in; null for none."
  default     = null

  validation {
    condition     = var.github == null || can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github.repository))
    error_message = "github.repository must be owner/name."
  }
}

variable "azure_devops" {
  type = object({
    organization_id = string
    organization    = string
    project         = string
  })
  description = "Azure DevOps organization (its ID is in Organization settings > Microsoft Entra) and project whose service connections sign in; null for none."
  default     = null
}

variable "model_registry_id" {
  type        = string
  description = "Resource ID of an Azure ML registry shared by the environments (promotion goes through it); null for none."
  default     = null

  validation {
    condition     = var.model_registry_id == null || can(regex("^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft.MachineLearningServices/registries/[^/]+$", coalesce(var.model_registry_id, "-")))
    error_message = "model_registry_id must be the resource ID of an Azure ML registry."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the identities."
  default     = { managed_by = "mlops-toolkit" }
  nullable    = false
}
