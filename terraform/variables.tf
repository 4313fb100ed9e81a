# The contract with mlops_toolkit/infra/tfvars.py (render_tfvars): one variable per key.

variable "subscription_id" {
  type        = string
  description = "Azure subscription GUID to deploy into; \"\" when not known, and the provider reads ARM_SUBSCRIPTION_ID."
  default     = ""
  nullable    = false

  validation {
    condition     = var.subscription_id == "" || can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", var.subscription_id))
    error_message = "subscription_id must be a subscription GUID or \"\"."
  }
}

variable "environment" {
  type        = string
  description = "Environment being deployed: dev, test or prod."
  nullable    = false

  validation {
    condition     = contains(["dev", "test", "prod"], var.environment)
    error_message = "environment must be one of dev, test, prod."
  }
}

variable "location" {
  type        = string
  description = "Azure region of every resource, e.g. westeurope."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9]+$", var.location))
    error_message = "location must be an Azure region name such as westeurope (lowercase, no spaces)."
  }
}

variable "namespace" {
  type        = string
  description = "Project namespace in every name: 2-8 lowercase letters or digits, starting with a letter."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,7}$", var.namespace))
    error_message = "namespace must be 2-8 lowercase letters or digits starting with a letter."
  }
}

variable "postfix" {
  type        = string
  description = "1-4 digits in every name; change it to get a fresh set of names."
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{1,4}$", var.postfix))
    error_message = "postfix must be 1-4 digits."
  }
}

variable "use_unique_suffix" {
  type        = bool
  description = "Append 4 hex characters of sha256(\"<subscription_id>/<environment>\") to names (used when names is null)."
  default     = false
  nullable    = false
}

variable "names" {
  type = object({
    resource_group       = string
    storage_account      = string
    key_vault            = string
    container_registry   = string
    log_analytics        = string
    application_insights = string
    workspace            = string
    action_group         = string
    virtual_network      = string
    online_endpoint      = string
  })
  description = "Resource names derived by the toolkit (mlops_toolkit.naming); null derives the same names with the naming module."
  default     = null

  validation {
    condition     = var.names == null || can(regex("^[-\\w.()]{0,89}[-\\w()]$", var.names.resource_group))
    error_message = "names.resource_group must be 1-90 letters, digits, '-', '_', '.', '()' and must not end with '.'."
  }
  validation {
    condition     = var.names == null || can(regex("^[a-z0-9]{3,24}$", var.names.storage_account))
    error_message = "names.storage_account must be 3-24 lowercase letters and digits."
  }
  validation {
    condition     = var.names == null || (can(regex("^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$", var.names.key_vault)) && !strcontains(try(var.names.key_vault, ""), "--"))
    error_message = "names.key_vault must be 3-24 letters, digits and single hyphens, start with a letter and end with a letter or digit."
  }
  validation {
    condition     = var.names == null || can(regex("^[A-Za-z0-9]{5,50}$", var.names.container_registry))
    error_message = "names.container_registry must be 5-50 letters and digits."
  }
  validation {
    condition     = var.names == null || can(regex("^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$", var.names.log_analytics))
    error_message = "names.log_analytics must be 4-63 letters, digits and hyphens, starting and ending alphanumeric."
  }
  validation {
    condition     = var.names == null || can(regex("^[^%&\\\\?/]{0,254}[^%&\\\\?/.]$", var.names.application_insights))
    error_message = "names.application_insights must be 1-255 characters without %&\\?/ and must not end with '.'."
  }
  validation {
    condition     = var.names == null || can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{2,32}$", var.names.workspace))
    error_message = "names.workspace must be 3-33 letters, digits, '-' and '_', starting alphanumeric."
  }
  validation {
    condition     = var.names == null || can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,259}$", var.names.action_group))
    error_message = "names.action_group must be 1-260 letters, digits and '-_.', starting alphanumeric."
  }
  validation {
    condition     = var.names == null || can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]$", var.names.virtual_network))
    error_message = "names.virtual_network must be 2-64 letters, digits and '-_.', starting alphanumeric and ending alphanumeric or '_'."
  }
  validation {
    condition     = var.names == null || can(regex("^[A-Za-z][A-Za-z0-9-]{1,30}[A-Za-z0-9]$", var.names.online_endpoint))
    error_message = "names.online_endpoint must be 3-32 letters, digits and hyphens, starting with a letter."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags on every resource (the toolkit adds environment and managed_by)."
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 512 && length(v) <= 256 && !can(regex("[<>%&\\\\?/]", k))])
    error_message = "tag names must be at most 512 characters without <>%&\\?/ and values at most 256 characters."
  }
}

variable "public_network_access_enabled" {
  type        = bool
  description = "Open the public endpoints of the workspace, storage, Key Vault and registry (dev); false keeps them private (prod)."
  default     = false
  nullable    = false
}

variable "private_networking_enabled" {
  type        = bool
  description = "Create a virtual network, privatelink DNS zones and private endpoints for the workspace and its dependencies."
  default     = false
  nullable    = false
}

variable "vnet_address_space" {
  type        = string
  description = "Private IPv4 CIDR block of the virtual network (/8 to /24), used when private_networking_enabled."
  default     = "10.10.0.0/16"
  nullable    = false

  validation {
    condition     = can(cidrhost(var.vnet_address_space, 0)) && can(regex("^[0-9.]+/([89]|1[0-9]|2[0-4])$", var.vnet_address_space))
    error_message = "vnet_address_space must be an IPv4 CIDR block between /8 and /24, e.g. 10.10.0.0/16."
  }
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
  description = "Mark the workspace as high business impact (less diagnostic data sent to Microsoft). Changing it recreates the workspace."
  default     = false
  nullable    = false
}

variable "log_retention_days" {
  type        = number
  description = "Days Log Analytics and Application Insights keep data (30-730)."
  default     = 30
  nullable    = false

  validation {
    condition     = var.log_retention_days >= 30 && var.log_retention_days <= 730 && floor(var.log_retention_days) == var.log_retention_days
    error_message = "log_retention_days must be a whole number from 30 to 730."
  }
}

variable "compute_clusters" {
  type = map(object({
    name                          = string
    vm_size                       = string
    min_nodes                     = number
    max_nodes                     = number
    idle_seconds_before_scaledown = number
    priority                      = string
  }))
  description = "The training clusters, keyed \"cpu\" and \"gpu\": name, VM size, node range, idle scale-down and priority (Dedicated or LowPriority)."
  nullable    = false

  validation {
    condition     = length(var.compute_clusters) == 2 && alltrue([for key in ["cpu", "gpu"] : contains(keys(var.compute_clusters), key)])
    error_message = "compute_clusters must have exactly the keys cpu and gpu."
  }
  validation {
    condition     = alltrue([for c in values(var.compute_clusters) : contains(["Dedicated", "LowPriority"], c.priority)])
    error_message = "compute_clusters priority must be Dedicated or LowPriority."
  }
  validation {
    condition     = alltrue([for c in values(var.compute_clusters) : c.min_nodes >= 0 && c.max_nodes >= 1 && c.max_nodes <= 100 && c.min_nodes <= c.max_nodes])
    error_message = "compute_clusters need 0 <= min_nodes <= max_nodes, 1 <= max_nodes <= 100."
  }
  validation {
    condition     = alltrue([for c in values(var.compute_clusters) : c.idle_seconds_before_scaledown >= 60 && c.idle_seconds_before_scaledown <= 604800])
    error_message = "compute_clusters idle_seconds_before_scaledown must be from 60 to 604800."
  }
  validation {
    condition     = alltrue([for c in values(var.compute_clusters) : can(regex("^[A-Za-z]([A-Za-z0-9-]{0,14}[A-Za-z0-9])$", c.name))]) && length(distinct([for c in values(var.compute_clusters) : c.name])) == length(var.compute_clusters)
    error_message = "compute_clusters names must be distinct, 2-16 letters, digits and hyphens, starting with a letter."
  }
  validation {
    condition     = alltrue([for c in values(var.compute_clusters) : can(regex("^Standard_[A-Za-z0-9_]+$", c.vm_size))])
    error_message = "compute_clusters vm_size must be an Azure VM size such as Standard_DS3_v2."
  }
}

variable "alerts" {
  type = object({
    enabled                       = bool
    action_group_email            = string
    quota_utilization_threshold   = number
    failed_runs_threshold         = number
    endpoint_latency_ms_threshold = number
    endpoint_error_rate_threshold = number
    webhook_url                   = string
  })
  description = "Alerting: on/off, who is e-mailed (and which webhook is called, if any), and thresholds. The endpoint thresholds apply to online endpoints, whose alerts the toolkit creates with the endpoint."
  nullable    = false

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}$", var.alerts.action_group_email))
    error_message = "alerts.action_group_email must be an e-mail address."
  }
  validation {
    condition     = var.alerts.quota_utilization_threshold >= 1 && var.alerts.quota_utilization_threshold <= 100
    error_message = "alerts.quota_utilization_threshold must be from 1 to 100."
  }
  validation {
    condition     = var.alerts.failed_runs_threshold >= 0
    error_message = "alerts.failed_runs_threshold must be at least 0."
  }
  validation {
    condition     = var.alerts.endpoint_latency_ms_threshold >= 1 && var.alerts.endpoint_error_rate_threshold > 0 && var.alerts.endpoint_error_rate_threshold <= 100
    error_message = "alerts.endpoint_latency_ms_threshold must be at least 1 and endpoint_error_rate_threshold in (0, 100]."
  }
}
