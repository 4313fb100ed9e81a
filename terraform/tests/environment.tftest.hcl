# Plan and apply the whole root module against a mocked azurerm provider: no Azure call,
# no credentials, the real provider's schema and validations. Run it with the variables
# of one environment, e.g. the tfvars that `mlops-toolkit provision` renders:
#
#   terraform init -backend=false
#   terraform test -var-file=terraform.tfvars.json
#
# tests/terraform/test_plan.py runs it for the shipped dev and prod configs and for edge
# configs, and asserts the planned attributes of every resource from its -json output.
# The assertions here hold for every valid configuration.

mock_provider "azurerm" {
  source = "./tests/mocks"
}

run "plan" {
  command = plan

  assert {
    condition     = output.resource_group_name == local.names.resource_group && output.workspace_name == local.names.workspace
    error_message = "resource group and workspace must carry the configured names"
  }
  assert {
    condition     = output.compute_cluster_names == { for key, cluster in var.compute_clusters : key => cluster.name }
    error_message = "every configured compute cluster, and no other, must be planned with its name"
  }
  assert {
    condition     = output.location == var.location
    error_message = "the environment must be planned in the configured region"
  }
  assert {
    condition     = length(module.private_network) == (var.private_networking_enabled ? 1 : 0)
    error_message = "the private network exists exactly when private_networking_enabled"
  }
}

run "apply" {
  command = apply

  assert {
    condition     = toset(keys(module.alerts.metric_alert_ids)) == toset(["failed-runs", "model-deploy-failed", "quota-utilization", "unusable-nodes"])
    error_message = "the workspace alerts must be model-deploy-failed, quota-utilization, unusable-nodes and failed-runs, got ${jsonencode(keys(module.alerts.metric_alert_ids))}"
  }
  assert {
    condition     = toset(keys(module.monitoring.diagnostic_setting_ids)) == toset(["container-registry", "key-vault", "storage", "storage-blob", "storage-file", "workspace"])
    error_message = "storage (account, blob, file), Key Vault, registry and workspace must each send diagnostics to Log Analytics"
  }
  assert {
    condition     = can(regex("^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft.MachineLearningServices/workspaces/[^/]+$", output.workspace_id))
    error_message = "workspace_id must be an Azure ML workspace resource id, got ${output.workspace_id}"
  }
  assert {
    condition     = output.subscription_id == data.azurerm_client_config.current.subscription_id && output.action_group_id == module.alerts.action_group_id
    error_message = "the saved outputs must come from the deployment"
  }
  assert {
    condition = var.private_networking_enabled ? (
      toset(keys(module.private_network[0].private_endpoint_ids)) == toset(["blob", "file", "registry", "vault", "workspace"]) &&
      length(module.private_network[0].private_dns_zone_ids) == 6
    ) : true
    error_message = "with private networking, blob, file, vault, registry and workspace need private endpoints and six privatelink DNS zones"
  }
}
