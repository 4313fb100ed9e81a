# The contract with mlops_toolkit/infra/tfvars.py (render_tfvars): one variable per key.

# Azure's naming and value rules, one source with mlops_toolkit.naming (modules/naming/rules.json).
locals {
  rules = jsondecode(file("${path.module}/modules/naming/rules.json"))
}

variable "subscription_id" {
  type        = string
  description = "Azure subscription GUID to deploy into; \"\" when not known, and the provider reads ARM_SUBSCRIPTION_ID."
  default     = ""
  nullable    = false

  validation {
    condition     = var.subscription_id == "" || (length(var.subscription_id) >= local.rules.formats.guid.min_length && length(var.subscription_id) <= local.rules.formats.guid.max_length && can(regex(local.rules.formats.guid.pattern, var.subscription_id)) && alltrue([for s in local.rules.formats.guid.forbidden_substrings : !strcontains(var.subscription_id, s)]))
    error_message = "subscription_id must be ${local.rules.formats.guid.summary} or \"\"."
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
    condition     = length(var.location) >= local.rules.formats.location.min_length && length(var.location) <= local.rules.formats.location.max_length && can(regex(local.rules.formats.location.pattern, var.location)) && alltrue([for s in local.rules.formats.location.forbidden_substrings : !strcontains(var.location, s)])
    error_message = "location must be ${local.rules.formats.location.summary}, got \"${var.location}\"."
  }
}

variable "namespace" {
  type        = string
  description = "Project namespace in every name: 2-8 lowercase letters or digits, starting with a letter."
  nullable    = false

  validation {
    condition     = length(var.namespace) >= local.rules.formats.namespace.min_length && length(var.namespace) <= local.rules.formats.namespace.max_length && can(regex(local.rules.formats.namespace.pattern, var.namespace)) && alltrue([for s in local.rules.formats.namespace.forbidden_substrings : !strcontains(var.namespace, s)])
    error_message = "namespace must be ${local.rules.formats.namespace.summary}, got \"${var.namespace}\"."
  }
}

variable "postfix" {
  type        = string
  description = "1-4 digits in every name; change it to get a fresh set of names."
  nullable    = false

  validation {
    condition     = length(var.postfix) >= local.rules.formats.postfix.min_length && length(var.postfix) <= local.rules.formats.postfix.max_length && can(regex(local.rules.formats.postfix.pattern, var.postfix)) && alltrue([for s in local.rules.formats.postfix.forbidden_substrings : !strcontains(var.postfix, s)])
    error_message = "postfix must be ${local.rules.formats.postfix.summary}, got \"${var.postfix}\"."
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
    condition     = alltrue([for k, v in merge({}, var.names) : length(v) >= local.rules.names[k].min_length && length(v) <= local.rules.names[k].max_length && can(regex(local.rules.names[k].pattern, v)) && alltrue([for s in local.rules.names[k].forbidden_substrings : !strcontains(v, s)])])
    error_message = format("names break Azure's naming rules: %s.", join("; ", [for k, v in merge({}, var.names) : format("names.%s must be %s, got %q", k, local.rules.names[k].summary, v) if !(length(v) >= local.rules.names[k].min_length && length(v) <= local.rules.names[k].max_length && can(regex(local.rules.names[k].pattern, v)) && alltrue([for s in local.rules.names[k].forbidden_substrings : !strcontains(v, s)]))]))
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags on every resource (the toolkit adds environment and managed_by)."
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= local.rules.formats.tag_name.min_length && length(k) <= local.rules.formats.tag_name.max_length && can(regex(local.rules.formats.tag_name.pattern, k)) && alltrue([for s in local.rules.formats.tag_name.forbidden_substrings : !strcontains(k, s)]) && length(v) >= local.rules.formats.tag_value.min_length && length(v) <= local.rules.formats.tag_value.max_length && can(regex(local.rules.formats.tag_value.pattern, v)) && alltrue([for s in local.rules.formats.tag_value.forbidden_substrings : !strcontains(v, s)])])
    error_message = "tag names must be ${local.rules.formats.tag_name.summary} and tag values ${local.rules.formats.tag_value.summary}."
  }
}

variable "public_network_access_enabled" {
  type        = bool
  description = "Open the public endpoints of the workspace, storage, Key Vault and registry (dev), behind deny-by-default firewalls that let through allowed_ip_ranges and trusted Azure services; false keeps them private (prod)."
  default     = false
  nullable    = false
}

variable "allowed_ip_ranges" {
  type        = list(string)
  description = "Public IPv4 addresses or CIDR blocks (no /31, /32, private or reserved ranges) let through the storage, Key Vault and registry firewalls while the public endpoints are open: a developer's address, CI runners' egress ranges."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for ip in var.allowed_ip_ranges : try(can(regex(local.rules.allowed_ip_range.pattern, ip)) && cidrhost(strcontains(ip, "/") ? ip : "${ip}/32", 0) == split("/", ip)[0] && alltrue([for b in local.rules.allowed_ip_range.reserved_ranges : cidrhost("${split("/", ip)[0]}/${min(tonumber(split("/", b)[1]), strcontains(ip, "/") ? tonumber(split("/", ip)[1]) : 32)}", 0) != cidrhost("${split("/", b)[0]}/${min(tonumber(split("/", b)[1]), strcontains(ip, "/") ? tonumber(split("/", ip)[1]) : 32)}", 0)]), false)])
    error_message = "allowed_ip_ranges must hold ${local.rules.allowed_ip_range.summary}; got ${jsonencode(var.allowed_ip_ranges)}."
  }
  validation {
    condition     = length(var.allowed_ip_ranges) == 0 || var.public_network_access_enabled
    error_message = "allowed_ip_ranges has no effect while public_network_access_enabled is false (the public endpoints are off); leave it empty."
  }
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
  description = "Managed virtual network isolation of the workspace: Disabled, AllowInternetOutbound or AllowOnlyApprovedOutbound. Disabled needs private_networking_enabled: compute nodes then sit in the training subnet."
  default     = "AllowOnlyApprovedOutbound"
  nullable    = false

  validation {
    condition     = contains(["Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"], var.managed_network_isolation)
    error_message = "managed_network_isolation must be Disabled, AllowInternetOutbound or AllowOnlyApprovedOutbound."
  }
  validation {
    condition     = var.managed_network_isolation != "Disabled" || var.private_networking_enabled
    error_message = "managed_network_isolation = Disabled needs private_networking_enabled: without a managed network or the training subnet, compute nodes cannot pass the deny-by-default firewalls of storage and Key Vault."
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
  description = "Days Log Analytics and Application Insights keep data: one of the periods Application Insights accepts (30, 60, 90, 120, 180, 270, 365, 550, 730)."
  default     = 30
  nullable    = false

  validation {
    condition     = contains(local.rules.log_retention_days, var.log_retention_days)
    error_message = "log_retention_days must be one of ${join(", ", local.rules.log_retention_days)}, got ${var.log_retention_days}."
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
  description = "The training clusters: \"cpu\" (required, it also builds images when the registry is private) and optionally \"gpu\"; name, VM size, node range, idle scale-down and priority (Dedicated or LowPriority)."
  nullable    = false

  validation {
    condition     = contains(keys(var.compute_clusters), "cpu") && alltrue([for key in keys(var.compute_clusters) : contains(["cpu", "gpu"], key)])
    error_message = "compute_clusters must have the key cpu and may have gpu; no other keys."
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
    condition     = alltrue([for c in values(var.compute_clusters) : length(c.name) >= local.rules.names.compute.min_length && length(c.name) <= local.rules.names.compute.max_length && can(regex(local.rules.names.compute.pattern, c.name)) && alltrue([for s in local.rules.names.compute.forbidden_substrings : !strcontains(c.name, s)])]) && length(distinct([for c in values(var.compute_clusters) : c.name])) == length(var.compute_clusters)
    error_message = "compute_clusters names must be distinct and ${local.rules.names.compute.summary}."
  }
  validation {
    condition     = alltrue([for c in values(var.compute_clusters) : length(c.vm_size) >= local.rules.formats.vm_size.min_length && length(c.vm_size) <= local.rules.formats.vm_size.max_length && can(regex(local.rules.formats.vm_size.pattern, c.vm_size)) && alltrue([for s in local.rules.formats.vm_size.forbidden_substrings : !strcontains(c.vm_size, s)])])
    error_message = "compute_clusters vm_size must be ${local.rules.formats.vm_size.summary}."
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
    condition     = length(var.alerts.action_group_email) >= local.rules.formats.email.min_length && length(var.alerts.action_group_email) <= local.rules.formats.email.max_length && can(regex(local.rules.formats.email.pattern, var.alerts.action_group_email)) && alltrue([for s in local.rules.formats.email.forbidden_substrings : !strcontains(var.alerts.action_group_email, s)])
    error_message = "alerts.action_group_email must be ${local.rules.formats.email.summary}, got \"${var.alerts.action_group_email}\"."
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
