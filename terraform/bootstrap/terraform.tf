terraform {
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.77.0, < 5.0.0"
    }
  }

  # Local state on purpose: this configuration creates the remote state storage
  # itself. Keep terraform.tfstate safe (or migrate it into the new container).
}
