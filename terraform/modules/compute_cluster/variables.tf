# Azure's naming and value rules, one source with mlops_toolkit.naming (../naming/rules.json).
locals {
  rules = jsondecode(file("${path.module}/../naming/rules.json"))
}

variable "name" {
  type        = string
  description = "Compute cluster name: 3-32 letters, digits and hyphens, starting with a letter and ending alphanumeric."
  nullable    = false

  validation {
    condition     = length(var.name) >= local.rules.names.compute.min_length && length(var.name) <= local.rules.names.compute.max_length && can(regex(local.rules.names.compute.pattern, var.name)) && alltrue([for s in local.rules.names.compute.forbidden_substrings : !strcontains(var.name, s)])
    error_message = "name must be ${local.rules.names.compute.summary}, got \"${var.name}\"."
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

variable "workspace_id" {
  type        = string
  description = "Resource ID of the Azure ML workspace that owns the cluster."
  nullable    = false

  validation {
    condition     = can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft.MachineLearningServices/workspaces/[^/]+$", var.workspace_id))
    error_message = "workspace_id must be the resource ID of a Microsoft.MachineLearningServices/workspaces resource."
  }
}

variable "vm_size" {
  type        = string
  description = "VM size of the nodes, e.g. Standard_DS3_v2 (CPU) or Standard_NC4as_T4_v3 (GPU)."
  nullable    = false

  validation {
    condition     = length(var.vm_size) >= local.rules.formats.vm_size.min_length && length(var.vm_size) <= local.rules.formats.vm_size.max_length && can(regex(local.rules.formats.vm_size.pattern, var.vm_size)) && alltrue([for s in local.rules.formats.vm_size.forbidden_substrings : !strcontains(var.vm_size, s)])
    error_message = "vm_size must be ${local.rules.formats.vm_size.summary}, got \"${var.vm_size}\"."
  }
}

variable "vm_priority" {
  type        = string
  description = "Dedicated or LowPriority (preemptible, cheaper; uses the separate low-priority quota)."
  default     = "Dedicated"
  nullable    = false

  validation {
    condition     = contains(["Dedicated", "LowPriority"], var.vm_priority)
    error_message = "vm_priority must be Dedicated or LowPriority."
  }
}

variable "min_nodes" {
  type        = number
  description = "Nodes kept running when idle; 0 means the cluster costs nothing while unused."
  default     = 0
  nullable    = false

  validation {
    condition     = var.min_nodes >= 0 && var.min_nodes <= 100 && floor(var.min_nodes) == var.min_nodes
    error_message = "min_nodes must be a whole number from 0 to 100."
  }
}

variable "max_nodes" {
  type        = number
  description = "Largest number of nodes the cluster scales out to (1-100, not below min_nodes)."
  nullable    = false

  validation {
    condition     = var.max_nodes >= 1 && var.max_nodes <= 100 && floor(var.max_nodes) == var.max_nodes && var.max_nodes >= var.min_nodes
    error_message = "max_nodes must be a whole number from 1 to 100 and at least min_nodes."
  }
}

variable "idle_seconds_before_scaledown" {
  type        = number
  description = "Seconds a node stays idle before it is released (60-604800)."
  default     = 300
  nullable    = false

  validation {
    condition     = var.idle_seconds_before_scaledown >= 60 && var.idle_seconds_before_scaledown <= 604800 && floor(var.idle_seconds_before_scaledown) == var.idle_seconds_before_scaledown
    error_message = "idle_seconds_before_scaledown must be a whole number from 60 to 604800."
  }
}

variable "subnet_id" {
  type        = string
  description = "Subnet to inject the nodes into (workspaces without a managed network); null leaves them in the managed network or Azure's default network."
  default     = null

  validation {
    condition     = var.subnet_id == null || can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft.Network/virtualNetworks/[^/]+/subnets/[^/]+$", var.subnet_id))
    error_message = "subnet_id must be the resource ID of a virtual network subnet, or null."
  }
}

variable "node_public_ip_enabled" {
  type        = bool
  description = "Give nodes public IPs. Azure requires them unless the nodes sit in a subnet (subnet_id) or in the workspace's managed network."
  default     = false
  nullable    = false
}

variable "description" {
  type        = string
  description = "Free-text description shown in Azure ML studio."
  default     = null
}

variable "role_assignments" {
  type = map(object({
    scope                = string
    role_definition_name = string
  }))
  description = "Azure roles granted to the cluster's identity, keyed by a label, e.g. Storage Blob Data Contributor on the workspace storage and AcrPull on the registry."
  default     = {}
  nullable    = false
}
