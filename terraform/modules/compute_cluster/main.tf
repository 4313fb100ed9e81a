resource "azurerm_machine_learning_compute_cluster" "this" {
  name                          = var.name
  location                      = var.location
  machine_learning_workspace_id = var.workspace_id
  vm_size                       = var.vm_size
  vm_priority                   = var.vm_priority
  description                   = var.description
  subnet_resource_id            = var.subnet_id

  local_auth_enabled        = false
  ssh_public_access_enabled = false
  node_public_ip_enabled    = var.node_public_ip_enabled

  identity {
    type = "SystemAssigned"
  }

  scale_settings {
    min_node_count                       = var.min_nodes
    max_node_count                       = var.max_nodes
    scale_down_nodes_after_idle_duration = "PT${var.idle_seconds_before_scaledown}S"
  }

  tags = var.tags
}

resource "azurerm_role_assignment" "this" {
  for_each = var.role_assignments

  scope                = each.value.scope
  role_definition_name = each.value.role_definition_name
  principal_id         = azurerm_machine_learning_compute_cluster.this.identity[0].principal_id
  principal_type       = "ServicePrincipal"
}
