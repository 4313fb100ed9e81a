mock_provider "azurerm" {
  mock_resource "azurerm_user_assigned_identity" {
    defaults = {
      id           = "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-ci/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-mock"
      principal_id = "11111111-1111-1111-1111-111111111111"
      client_id    = "22222222-2222-2222-2222-222222222222"
      tenant_id    = "33333333-3333-3333-3333-333333333333"
    }
  }
}

variables {
  subscription_id     = "00000000-0000-0000-0000-000000000001"
  name                = "id-test-ci"
  location            = "westeurope"
  resource_group_name = "rg-test"
  federated_credentials = {
    github-dev = {
      issuer  = "https://token.actions.githubusercontent.com"
      subject = "repo:contoso/models:environment:dev"
    }
  }
  role_assignments = {
    contributor = {
      resource_group_name  = "rg-test"
      role_definition_name = "Contributor"
    }
    state = {
      resource_group_name  = "rg-state"
      resource_path        = "/providers/Microsoft.Storage/storageAccounts/st1/blobServices/default/containers/tfstate"
      role_definition_name = "Storage Blob Data Contributor"
    }
  }
}

run "resource_group_scope_is_accepted" {
  command = plan

  assert {
    condition     = azurerm_role_assignment.this["contributor"].scope == "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-test"
    error_message = "the role assignment is scoped to the resource group"
  }

  assert {
    condition     = azurerm_role_assignment.this["state"].scope == "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-state/providers/Microsoft.Storage/storageAccounts/st1/blobServices/default/containers/tfstate"
    error_message = "a resource inside a resource group is a narrower scope"
  }

  assert {
    condition     = one(azurerm_federated_identity_credential.this["github-dev"].audience) == "api://AzureADTokenExchange"
    error_message = "the audience defaults to Microsoft Entra's token exchange"
  }
}

run "a_path_outside_the_resource_group_is_refused" {
  command = plan

  variables {
    role_assignments = {
      escape = {
        resource_group_name  = "rg-test"
        resource_path        = "/../../"
        role_definition_name = "Reader"
      }
    }
  }

  expect_failures = [var.role_assignments]
}

run "owner_is_refused" {
  command = plan

  variables {
    role_assignments = {
      owner = {
        resource_group_name  = "rg-test"
        role_definition_name = "Owner"
      }
    }
  }

  expect_failures = [var.role_assignments]
}

run "wildcard_subject_is_refused" {
  command = plan

  variables {
    federated_credentials = {
      any = {
        issuer  = "https://token.actions.githubusercontent.com"
        subject = "repo:contoso/*"
      }
    }
  }

  expect_failures = [var.federated_credentials]
}
