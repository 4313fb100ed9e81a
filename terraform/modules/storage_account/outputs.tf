output "id" {
  description = "Resource ID of the storage account."
  value       = azurerm_storage_account.this.id
}

output "name" {
  description = "Name of the storage account."
  value       = azurerm_storage_account.this.name
}

output "primary_blob_endpoint" {
  description = "Blob service endpoint, e.g. https://<name>.blob.core.windows.net/."
  value       = azurerm_storage_account.this.primary_blob_endpoint
}

output "blob_service_id" {
  description = "Resource ID of the blob service, the target of blob diagnostic settings."
  value       = "${azurerm_storage_account.this.id}/blobServices/default"
}

output "file_service_id" {
  description = "Resource ID of the file service, the target of file diagnostic settings."
  value       = "${azurerm_storage_account.this.id}/fileServices/default"
}

output "principal_id" {
  description = "Principal ID of the account's system-assigned identity."
  value       = azurerm_storage_account.this.identity[0].principal_id
}
