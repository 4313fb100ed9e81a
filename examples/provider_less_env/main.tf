locals {
  subscription = var.subscription_id == "" ? "00000000-0000-0000-0000-000000000000" : var.subscription_id
  rg_id        = "/subscriptions/${local.subscription}/resourceGroups/${var.names["resource_group"]}"
  providers    = "${local.rg_id}/providers"
}

resource "terraform_data" "resource_group" {
  input = { name = var.names["resource_group"], location = var.location, tags = var.tags }
}

resource "terraform_data" "storage_account" {
  input      = { id = "${local.providers}/Microsoft.Storage/storageAccounts/${var.names["storage_account"]}" }
  depends_on = [terraform_data.resource_group]
}

resource "terraform_data" "key_vault" {
  input      = { id = "${local.providers}/Microsoft.KeyVault/vaults/${var.names["key_vault"]}", uri = "https://${var.names["key_vault"]}.vault.azure.net/" }
  depends_on = [terraform_data.resource_group]
}

resource "terraform_data" "container_registry" {
  input      = { id = "${local.providers}/Microsoft.ContainerRegistry/registries/${var.names["container_registry"]}", login_server = "${var.names["container_registry"]}.azurecr.io" }
  depends_on = [terraform_data.resource_group]
}

resource "terraform_data" "monitoring" {
  input = {
    log_analytics_id        = "${local.providers}/Microsoft.OperationalInsights/workspaces/${var.names["log_analytics"]}"
    application_insights_id = "${local.providers}/Microsoft.Insights/components/${var.names["application_insights"]}"
    retention_days          = var.log_retention_days
  }
  depends_on = [terraform_data.resource_group]
}

resource "terraform_data" "workspace" {
  input = {
    id                    = "${local.providers}/Microsoft.MachineLearningServices/workspaces/${var.names["workspace"]}"
    public_network_access = var.public_network_access_enabled
  }
  depends_on = [terraform_data.storage_account, terraform_data.key_vault, terraform_data.container_registry, terraform_data.monitoring]
}

resource "terraform_data" "compute_cluster" {
  for_each   = var.compute_clusters
  input      = each.value
  depends_on = [terraform_data.workspace]
}

resource "terraform_data" "action_group" {
  count      = var.alerts.enabled ? 1 : 0
  input      = { id = "${local.providers}/Microsoft.Insights/actionGroups/${var.names["action_group"]}", email = var.alerts.action_group_email }
  depends_on = [terraform_data.resource_group]
}
