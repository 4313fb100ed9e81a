# The naming scheme of mlops_toolkit/naming.py, in Terraform. Keep the two in step:
# tests/terraform/test_naming_parity.py proves they agree.
locals {
  subscription_seed = var.subscription_id == null ? "" : var.subscription_id
  suffix            = var.use_unique_suffix ? substr(sha256("${local.subscription_seed}/${var.environment}"), 0, 4) : ""
  tail              = local.suffix == "" ? "" : "-${local.suffix}"
  base              = "${var.namespace}-${var.postfix}${var.environment}"
  compact           = "${var.namespace}${var.postfix}${var.environment}${local.suffix}"

  derived = {
    resource_group       = "rg-${local.base}${local.tail}"
    storage_account      = "st${local.compact}"
    key_vault            = "kv-${var.namespace}-${var.postfix}${var.environment}${local.suffix}"
    container_registry   = "cr${local.compact}"
    log_analytics        = "log-${local.base}${local.tail}"
    application_insights = "appi-${local.base}${local.tail}"
    workspace            = "mlw-${local.base}${local.tail}"
    action_group         = "ag-${local.base}${local.tail}"
    virtual_network      = "vnet-${local.base}${local.tail}"
    online_endpoint      = "ep-${local.base}${local.tail}"
  }

  names = merge(local.derived, var.overrides)
}
