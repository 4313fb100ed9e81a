terraform {
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    azurerm = {
      source = "hashicorp/azurerm"
      # >= 4.77: user_assigned_identity_id on federated identity credentials.
      version = ">= 4.77.0, < 5.0.0"
    }
  }
}
