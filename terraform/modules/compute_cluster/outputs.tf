output "id" {
  description = "Resource ID of the compute cluster."
  value       = azurerm_machine_learning_compute_cluster.this.id
}

output "name" {
  description = "Name of the compute cluster, as jobs refer to it."
  value       = azurerm_machine_learning_compute_cluster.this.name
}

output "principal_id" {
  description = "Principal ID of the cluster's system-assigned identity."
  value       = azurerm_machine_learning_compute_cluster.this.identity[0].principal_id
}
