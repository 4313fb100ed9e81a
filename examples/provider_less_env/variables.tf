variable "subscription_id" {
  description = "Azure subscription GUID, or empty when unknown."
  type        = string
}

variable "environment" {
  description = "Environment name: dev, test or prod."
  type        = string
  validation {
    condition     = contains(["dev", "test", "prod"], var.environment)
    error_message = "The environment must be dev, test or prod."
  }
}

variable "location" {
  description = "Azure region."
  type        = string
}

variable "namespace" {
  description = "Short project namespace used in names."
  type        = string
}

variable "postfix" {
  description = "1-4 digit postfix used in names."
  type        = string
}

variable "use_unique_suffix" {
  description = "Whether names carry the deterministic suffix."
  type        = bool
}

variable "names" {
  description = "Derived resource names."
  type        = map(string)
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
}

variable "public_network_access_enabled" {
  description = "Public network access to the workspace and its dependencies."
  type        = bool
}

variable "private_networking_enabled" {
  description = "VNet, private endpoints and DNS zones."
  type        = bool
}

variable "vnet_address_space" {
  description = "VNet CIDR block."
  type        = string
}

variable "allowed_ip_ranges" {
  description = "Public addresses let through the deny-by-default firewalls."
  type        = list(string)
}

variable "managed_network_isolation" {
  description = "Workspace managed network isolation mode."
  type        = string
}

variable "high_business_impact" {
  description = "High business impact workspace."
  type        = bool
}

variable "log_retention_days" {
  description = "Log Analytics retention in days."
  type        = number
}

variable "compute_clusters" {
  description = "CPU and GPU compute clusters."
  type = map(object({
    name                          = string
    vm_size                       = string
    min_nodes                     = number
    max_nodes                     = number
    idle_seconds_before_scaledown = number
    priority                      = string
  }))
}

variable "alerts" {
  description = "Alert settings."
  type = object({
    enabled                       = bool
    action_group_email            = string
    quota_utilization_threshold   = number
    failed_runs_threshold         = number
    endpoint_latency_ms_threshold = number
    endpoint_error_rate_threshold = number
    webhook_url                   = string
  })
}
