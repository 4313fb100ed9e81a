data "azurerm_client_config" "current" {}

module "naming" {
  source = "./modules/naming"

  namespace         = var.namespace
  postfix           = var.postfix
  environment       = var.environment
  subscription_id   = var.subscription_id
  use_unique_suffix = var.use_unique_suffix
}

locals {
  # Names come from the toolkit (validated by both sides); the module derives the same ones otherwise.
  names = var.names != null ? var.names : module.naming.names
  tags  = var.tags

  # Nodes without public IPs need a network: the workspace's managed network or our subnet.
  # (managed_network_isolation = Disabled needs private networking: see its validation.)
  managed_network_enabled = var.managed_network_isolation != "Disabled"
  cluster_subnet_enabled  = var.private_networking_enabled && !local.managed_network_enabled
}

module "resource_group" {
  source = "./modules/resource_group"

  name     = local.names.resource_group
  location = var.location
  tags     = local.tags
}

module "storage_account" {
  source = "./modules/storage_account"

  name                          = local.names.storage_account
  resource_group_name           = module.resource_group.name
  location                      = var.location
  public_network_access_enabled = var.public_network_access_enabled
  allowed_ip_ranges             = var.allowed_ip_ranges
  tags                          = local.tags
}

module "key_vault" {
  source = "./modules/key_vault"

  name                          = local.names.key_vault
  resource_group_name           = module.resource_group.name
  location                      = var.location
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  public_network_access_enabled = var.public_network_access_enabled
  allowed_ip_ranges             = var.allowed_ip_ranges
  tags                          = local.tags
}

module "container_registry" {
  source = "./modules/container_registry"

  name                          = local.names.container_registry
  resource_group_name           = module.resource_group.name
  location                      = var.location
  public_network_access_enabled = var.public_network_access_enabled
  allowed_ip_ranges             = var.allowed_ip_ranges
  tags                          = local.tags
}

module "monitoring" {
  source = "./modules/monitoring"

  log_analytics_name        = local.names.log_analytics
  application_insights_name = local.names.application_insights
  resource_group_name       = module.resource_group.name
  location                  = var.location
  retention_days            = var.log_retention_days
  tags                      = local.tags

  diagnostic_targets = {
    storage            = { resource_id = module.storage_account.id, logs = false, metric_categories = ["Transaction"] }
    storage-blob       = { resource_id = module.storage_account.blob_service_id, metric_categories = ["Transaction"] }
    storage-file       = { resource_id = module.storage_account.file_service_id, metric_categories = ["Transaction"] }
    key-vault          = { resource_id = module.key_vault.id }
    container-registry = { resource_id = module.container_registry.id }
    workspace          = { resource_id = module.workspace.id }
  }
}

module "workspace" {
  source = "./modules/workspace"

  name                          = local.names.workspace
  resource_group_name           = module.resource_group.name
  location                      = var.location
  storage_account_id            = module.storage_account.id
  key_vault_id                  = module.key_vault.id
  container_registry_id         = module.container_registry.id
  application_insights_id       = module.monitoring.application_insights_id
  public_network_access_enabled = var.public_network_access_enabled
  managed_network_isolation     = var.managed_network_isolation
  high_business_impact          = var.high_business_impact
  # A private registry cannot be reached by serverless image builds: build on the CPU cluster.
  image_build_compute_name = var.public_network_access_enabled ? null : var.compute_clusters["cpu"].name
  tags                     = local.tags
}

module "compute_cluster" {
  source   = "./modules/compute_cluster"
  for_each = var.compute_clusters

  name                          = each.value.name
  location                      = var.location
  workspace_id                  = module.workspace.id
  vm_size                       = each.value.vm_size
  vm_priority                   = each.value.priority
  min_nodes                     = each.value.min_nodes
  max_nodes                     = each.value.max_nodes
  idle_seconds_before_scaledown = each.value.idle_seconds_before_scaledown
  subnet_id                     = local.cluster_subnet_enabled ? module.private_network[0].training_subnet_id : null
  node_public_ip_enabled        = false
  description                   = "${upper(each.key)} training cluster of ${local.names.workspace}"
  tags                          = local.tags

  role_assignments = {
    storage-data = { scope = module.storage_account.id, role_definition_name = "Storage Blob Data Contributor" }
    registry     = { scope = module.container_registry.id, role_definition_name = "AcrPull" }
  }
}

module "alerts" {
  source = "./modules/alerts"

  action_group_name           = local.names.action_group
  action_group_short_name     = substr("${var.namespace}${var.environment}", 0, 12)
  resource_group_name         = module.resource_group.name
  workspace_id                = module.workspace.id
  enabled                     = var.alerts.enabled
  email                       = var.alerts.action_group_email
  webhook_url                 = var.alerts.webhook_url
  quota_utilization_threshold = var.alerts.quota_utilization_threshold
  failed_runs_threshold       = var.alerts.failed_runs_threshold
  tags                        = local.tags
}

module "private_network" {
  source = "./modules/private_network"
  count  = var.private_networking_enabled ? 1 : 0

  name                = local.names.virtual_network
  resource_group_name = module.resource_group.name
  location            = var.location
  address_space       = var.vnet_address_space
  tags                = local.tags

  private_endpoints = {
    blob      = { resource_id = module.storage_account.id, subresource_names = ["blob"], dns_zone_keys = ["blob"] }
    file      = { resource_id = module.storage_account.id, subresource_names = ["file"], dns_zone_keys = ["file"] }
    vault     = { resource_id = module.key_vault.id, subresource_names = ["vault"], dns_zone_keys = ["vault"] }
    registry  = { resource_id = module.container_registry.id, subresource_names = ["registry"], dns_zone_keys = ["registry"] }
    workspace = { resource_id = module.workspace.id, subresource_names = ["amlworkspace"], dns_zone_keys = ["workspace", "notebooks"] }
  }
}
