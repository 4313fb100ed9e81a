terraform {
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    azurerm = {
      source = "hashicorp/azurerm"
      # >= 4.77: storage_account_access_type on the ML workspace (identity-based storage access).
      version = ">= 4.77.0, < 5.0.0"
    }
  }

  # Partial configuration: the runner passes resource group, storage account,
  # container, key and use_azuread_auth = true (`terraform init -backend-config=FILE`).
  backend "azurerm" {}
}
