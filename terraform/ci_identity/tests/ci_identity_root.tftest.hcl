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
  subscription_id = "00000000-0000-0000-0000-0000000000aa"
  environments = {
    dev  = { resource_group_name = "rg-mlopstk-0001dev" }
    prod = { resource_group_name = "rg-mlopstk-0001prod", promotes_from = "dev" }
  }
  state             = { resource_group_name = "rg-mlopstk-tfstate", storage_account_name = "stmlopstktfstate" }
  github            = { repository = "contoso/models" }
  azure_devops      = { organization_id = "44444444-4444-4444-4444-444444444444", organization = "contoso", project = "models" }
  model_registry_id = "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-shared/providers/Microsoft.MachineLearningServices/registries/mlr-shared"
}

run "every_role_is_scoped_to_a_resource_group" {
  command = apply

  assert {
    condition = alltrue(flatten([
      for identity in output.role_assignment_scopes : [
        for scope in values(identity) : startswith(scope, "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/")
      ]
    ]))
    error_message = "a role assignment is scoped wider than a resource group"
  }

  assert {
    condition     = length(flatten([for identity in output.role_assignment_scopes : values(identity)])) == 16
    error_message = "dev deploy 5, prod deploy 7 (reads dev), plans 2 each: 16 role assignments"
  }

  assert {
    condition     = output.role_assignment_scopes["prod-deploy"]["contributor"] == "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-mlopstk-0001prod"
    error_message = "prod's deploy identity contributes to prod's resource group only"
  }

  assert {
    condition     = output.role_assignment_scopes["prod-deploy"]["source-reader"] == "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-mlopstk-0001dev"
    error_message = "prod's deploy identity reads the environment it promotes from"
  }

  assert {
    condition     = !contains(keys(output.role_assignment_scopes["dev-deploy"]), "source-reader")
    error_message = "dev promotes from nowhere"
  }

  assert {
    condition     = output.role_assignment_scopes["dev-plan"]["state"] == "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-mlopstk-tfstate/providers/Microsoft.Storage/storageAccounts/stmlopstktfstate/blobServices/default/containers/tfstate"
    error_message = "plans reach the state container, nothing else of the state account"
  }

  assert {
    condition     = module.identity["prod-deploy"].role_assignment_scopes["model-registry"] == var.model_registry_id
    error_message = "deploy identities use the shared registry"
  }
}

run "federated_subjects_and_pasteable_values" {
  command = apply

  assert {
    condition     = module.identity["prod-deploy"].client_id != null
    error_message = "client id is known"
  }

  assert {
    condition     = sort(keys(output.github_variables)) == sort(["AZURE_TENANT_ID", "AZURE_CLIENT_ID_DEV", "AZURE_CLIENT_ID_PROD", "AZURE_PLAN_CLIENT_ID_DEV", "AZURE_PLAN_CLIENT_ID_PROD", "AZURE_SUBSCRIPTION_ID_DEV", "AZURE_SUBSCRIPTION_ID_PROD"])
    error_message = "the variables the generated GitHub workflows read"
  }

  assert {
    condition     = output.azure_devops_service_connections["mlops-prod"].subject == "sc://contoso/models/mlops-prod"
    error_message = "the service connection name the generated Azure Pipelines use"
  }

  assert {
    condition     = output.azure_devops_service_connections["mlops-prod-plan"].issuer == "https://vstoken.dev.azure.com/44444444-4444-4444-4444-444444444444"
    error_message = "Azure DevOps issuer from the organization ID"
  }
}

run "an_unknown_source_environment_is_refused" {
  command = plan

  variables {
    environments = {
      prod = { resource_group_name = "rg-mlopstk-0001prod", promotes_from = "dev" }
    }
  }

  expect_failures = [var.environments]
}
