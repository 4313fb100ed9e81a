variable "name" {
  type        = string
  description = "Compute cluster name: 2-16 letters, digits and hyphens, starting with a letter."
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z]([A-Za-z0-9-]{0,14}[A-Za-z0-9])?$", var.name)) && length(var.name) >= 2
    error_message = "name must be 2-16 letters, digits and hyphens, starting with a letter and ending alphanumeric."
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
    condition     = can(regex("^Standard_[A-Za-z0-9_]+$", var.vm_size))
    error_message = "vm_size must be an Azure VM size such as Standard_DS3_v2."
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
