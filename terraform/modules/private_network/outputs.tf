output "virtual_network_id" {
  description = "Resource ID of the virtual network."
  value       = azurerm_virtual_network.this.id
}

output "training_subnet_id" {
  description = "Resource ID of the subnet for compute clusters (workspaces without a managed network)."
  value       = azurerm_subnet.this["training"].id
}

output "private_endpoint_subnet_id" {
  description = "Resource ID of the subnet that holds the private endpoints."
  value       = azurerm_subnet.this["private-endpoints"].id
}

output "private_dns_zone_ids" {
  description = "Resource IDs of the private DNS zones, keyed like private_dns_zones."
  value       = { for key, zone in azurerm_private_dns_zone.this : key => zone.id }
}

output "private_endpoint_ids" {
  description = "Resource IDs of the private endpoints, keyed like private_endpoints."
  value       = { for key, endpoint in azurerm_private_endpoint.this : key => endpoint.id }
}
