# Mocked azurerm for `terraform test`: no Azure call, no credentials. Computed ids are
# shaped like Azure resource ids, so the modules' id validations and the provider's id
# parsing accept them and `command = apply` runs too.

mock_data "azurerm_client_config" {
  defaults = {
    client_id       = "11111111-1111-4111-8111-111111111111"
    object_id       = "22222222-2222-4222-8222-222222222222"
    subscription_id = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
    tenant_id       = "33333333-3333-4333-8333-333333333333"
  }
}

mock_resource "azurerm_resource_group" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock"
  }
}

mock_resource "azurerm_storage_account" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.Storage/storageAccounts/stmock"
  }
}

mock_resource "azurerm_storage_container" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.Storage/storageAccounts/stmock/blobServices/default/containers/tfstate"
  }
}

mock_resource "azurerm_key_vault" {
  defaults = {
    id        = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.KeyVault/vaults/kv-mock"
    vault_uri = "https://kv-mock.vault.azure.net/"
  }
}

mock_resource "azurerm_container_registry" {
  defaults = {
    id           = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.ContainerRegistry/registries/crmock"
    login_server = "crmock.azurecr.io"
  }
}

mock_resource "azurerm_log_analytics_workspace" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.OperationalInsights/workspaces/log-mock"
  }
}

mock_resource "azurerm_application_insights" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.Insights/components/appi-mock"
  }
}

mock_resource "azurerm_monitor_diagnostic_setting" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.Storage/storageAccounts/stmock|diag-mock"
  }
}

mock_resource "azurerm_machine_learning_workspace" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.MachineLearningServices/workspaces/mlw-mock"
  }
}

mock_resource "azurerm_machine_learning_compute_cluster" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.MachineLearningServices/workspaces/mlw-mock/computes/cluster-mock"
  }
}

mock_resource "azurerm_role_assignment" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.Authorization/roleAssignments/44444444-4444-4444-8444-444444444444"
  }
}

mock_resource "azurerm_management_lock" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.Storage/storageAccounts/stmock/providers/Microsoft.Authorization/locks/lock-mock"
  }
}

mock_resource "azurerm_monitor_action_group" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.Insights/actionGroups/ag-mock"
  }
}

mock_resource "azurerm_monitor_metric_alert" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.Insights/metricAlerts/alert-mock"
  }
}

mock_resource "azurerm_virtual_network" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.Network/virtualNetworks/vnet-mock"
  }
}

mock_resource "azurerm_network_security_group" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.Network/networkSecurityGroups/nsg-mock"
  }
}

mock_resource "azurerm_subnet" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.Network/virtualNetworks/vnet-mock/subnets/snet-mock"
  }
}

mock_resource "azurerm_subnet_network_security_group_association" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.Network/virtualNetworks/vnet-mock/subnets/snet-mock"
  }
}

mock_resource "azurerm_private_dns_zone" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.Network/privateDnsZones/privatelink.mock.net"
  }
}

mock_resource "azurerm_private_dns_zone_virtual_network_link" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.Network/privateDnsZones/privatelink.mock.net/virtualNetworkLinks/link-mock"
  }
}

mock_resource "azurerm_private_endpoint" {
  defaults = {
    id = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-mock/providers/Microsoft.Network/privateEndpoints/pe-mock"
  }
}
