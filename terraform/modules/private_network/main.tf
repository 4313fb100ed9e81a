locals {
  # Training nodes without public IPs still need outbound access to Azure ML's
  # control plane (or a NAT gateway / firewall that the platform team adds);
  # private endpoints need none.
  subnets = {
    training          = { prefix = cidrsubnet(var.address_space, 2, 0), default_outbound = true }
    private-endpoints = { prefix = cidrsubnet(var.address_space, 2, 1), default_outbound = false }
  }
}

resource "azurerm_virtual_network" "this" {
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  address_space       = [var.address_space]
  tags                = var.tags
}

resource "azurerm_network_security_group" "this" {
  for_each = local.subnets

  name                = "nsg-${each.key}-${var.name}"
  resource_group_name = var.resource_group_name
  location            = var.location
  tags                = var.tags
}

resource "azurerm_subnet" "this" {
  for_each = local.subnets

  name                              = "snet-${each.key}"
  resource_group_name               = var.resource_group_name
  virtual_network_name              = azurerm_virtual_network.this.name
  address_prefixes                  = [each.value.prefix]
  default_outbound_access_enabled   = each.value.default_outbound
  private_endpoint_network_policies = "Enabled"
}

resource "azurerm_subnet_network_security_group_association" "this" {
  for_each = local.subnets

  subnet_id                 = azurerm_subnet.this[each.key].id
  network_security_group_id = azurerm_network_security_group.this[each.key].id
}

resource "azurerm_private_dns_zone" "this" {
  for_each = var.private_dns_zones

  name                = each.value
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "this" {
  for_each = var.private_dns_zones

  name                  = "link-${each.key}-${var.name}"
  resource_group_name   = var.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.this[each.key].name
  virtual_network_id    = azurerm_virtual_network.this.id
  registration_enabled  = false
  tags                  = var.tags
}

resource "azurerm_private_endpoint" "this" {
  for_each = var.private_endpoints

  name                = "pe-${each.key}-${var.name}"
  resource_group_name = var.resource_group_name
  location            = var.location
  subnet_id           = azurerm_subnet.this["private-endpoints"].id

  private_service_connection {
    name                           = "psc-${each.key}-${var.name}"
    private_connection_resource_id = each.value.resource_id
    subresource_names              = each.value.subresource_names
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [for zone in each.value.dns_zone_keys : azurerm_private_dns_zone.this[zone].id]
  }

  tags = var.tags
}
