locals {
  # The workspace alerts Azure recommends for Azure ML, plus failed runs.
  metric_alerts = {
    model-deploy-failed = {
      metric      = "Model Deploy Failed"
      aggregation = "Total"
      threshold   = 0
      severity    = 1
      frequency   = "PT5M"
      window      = "PT15M"
      description = "A model deployment in the workspace failed."
    }
    quota-utilization = {
      metric      = "Quota Utilization Percentage"
      aggregation = "Average"
      threshold   = var.quota_utilization_threshold
      severity    = 2
      frequency   = "PT15M"
      window      = "PT1H"
      description = "Compute quota utilisation of the workspace is above ${var.quota_utilization_threshold} %."
    }
    unusable-nodes = {
      metric      = "Unusable Nodes"
      aggregation = "Total"
      threshold   = 0
      severity    = 2
      frequency   = "PT5M"
      window      = "PT15M"
      description = "Compute nodes of the workspace are unusable."
    }
    failed-runs = {
      metric      = "Failed Runs"
      aggregation = "Total"
      threshold   = var.failed_runs_threshold
      severity    = 2
      frequency   = "PT5M"
      window      = "PT15M"
      description = "More than ${var.failed_runs_threshold} runs failed in the workspace within 15 minutes."
    }
  }
}

resource "azurerm_monitor_action_group" "this" {
  name                = var.action_group_name
  resource_group_name = var.resource_group_name
  short_name          = var.action_group_short_name
  enabled             = var.enabled

  email_receiver {
    name                    = "primary"
    email_address           = var.email
    use_common_alert_schema = true
  }

  dynamic "webhook_receiver" {
    for_each = var.webhook_url == null ? [] : [var.webhook_url]
    content {
      name                    = "webhook"
      service_uri             = webhook_receiver.value
      use_common_alert_schema = true
    }
  }

  tags = var.tags
}

resource "azurerm_monitor_metric_alert" "workspace" {
  for_each = local.metric_alerts

  name                = "${each.key}-${var.action_group_name}"
  resource_group_name = var.resource_group_name
  scopes              = [var.workspace_id]
  description         = each.value.description
  enabled             = var.enabled
  severity            = each.value.severity
  frequency           = each.value.frequency
  window_size         = each.value.window
  auto_mitigate       = true

  criteria {
    metric_namespace = "Microsoft.MachineLearningServices/workspaces"
    metric_name      = each.value.metric
    aggregation      = each.value.aggregation
    operator         = "GreaterThan"
    threshold        = each.value.threshold
  }

  action {
    action_group_id = azurerm_monitor_action_group.this.id
  }

  tags = var.tags
}
