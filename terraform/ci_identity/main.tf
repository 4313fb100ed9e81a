# Identities for CI/CD, per environment, each signing in with a federated token (no secret):
#
#   deploy  jobs in the CI environment <env> (apply, train, release): Contributor on the
#           environment's resource group, role assignment rights limited by a condition to
#           the roles the modules assign, blob data on that group (models, data) and on the
#           state container; Reader and blob read on the environment it promotes from.
#   plan    pull-request plans: Reader on the group, blob data on the state container only
#           (Terraform takes a lease on the state blob while it plans).
#
# No role is assigned at a subscription scope: the module builds every scope from a resource group.

locals {
  state_container = {
    resource_group_name = var.state.resource_group_name
    resource_path       = "/providers/Microsoft.Storage/storageAccounts/${var.state.storage_account_name}/blobServices/default/containers/${var.state.container}"
  }
  registry = var.model_registry_id == null ? null : {
    resource_group_name = split("/", var.model_registry_id)[4]
    resource_path       = "/providers/Microsoft.MachineLearningServices/registries/${split("/", var.model_registry_id)[8]}"
  }
  github_issuer = "https://token.actions.githubusercontent.com"
  ado_issuer    = var.azure_devops == null ? null : "https://vstoken.dev.azure.com/${var.azure_devops.organization_id}"

  # Built-in roles the environment's Terraform assigns (compute clusters: storage data, image pull).
  assignable_role_ids = [
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe", # Storage Blob Data Contributor
    "7f951dda-4ed3-4680-a7ca-43fe172d538d", # AcrPull
  ]
  assignable = join(", ", local.assignable_role_ids)
  rbac_condition = join("\n", [
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR",
    " (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${local.assignable}}))",
    "AND",
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR",
    " (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${local.assignable}}))",
  ])

  identities = merge([
    for env, settings in var.environments : {
      "${env}-deploy" = {
        environment         = env
        resource_group_name = settings.resource_group_name
        github_subject      = var.github == null ? null : "repo:${var.github.repository}:environment:${env}"
        ado_subject         = var.azure_devops == null ? null : "sc://${var.azure_devops.organization}/${var.azure_devops.project}/mlops-${env}"
        roles = merge(
          {
            contributor   = { resource_group_name = settings.resource_group_name, resource_path = "", role_definition_name = "Contributor", condition = null }
            role-assigner = { resource_group_name = settings.resource_group_name, resource_path = "", role_definition_name = "Role Based Access Control Administrator", condition = local.rbac_condition }
            blob-data     = { resource_group_name = settings.resource_group_name, resource_path = "", role_definition_name = "Storage Blob Data Contributor", condition = null }
            state         = merge(local.state_container, { role_definition_name = "Storage Blob Data Contributor", condition = null })
          },
          settings.promotes_from == null ? {} : {
            source-reader    = { resource_group_name = var.environments[settings.promotes_from].resource_group_name, resource_path = "", role_definition_name = "Reader", condition = null }
            source-blob-read = { resource_group_name = var.environments[settings.promotes_from].resource_group_name, resource_path = "", role_definition_name = "Storage Blob Data Reader", condition = null }
          },
          local.registry == null ? {} : {
            model-registry = merge(local.registry, { role_definition_name = "AzureML Registry User", condition = null })
          },
        )
      }
      "${env}-plan" = {
        environment         = env
        resource_group_name = settings.resource_group_name
        github_subject      = var.github == null ? null : "repo:${var.github.repository}:pull_request"
        ado_subject         = var.azure_devops == null ? null : "sc://${var.azure_devops.organization}/${var.azure_devops.project}/mlops-${env}-plan"
        roles = {
          reader = { resource_group_name = settings.resource_group_name, resource_path = "", role_definition_name = "Reader", condition = null }
          state  = merge(local.state_container, { role_definition_name = "Storage Blob Data Contributor", condition = null })
        }
      }
    }
  ]...)
}

module "identity" {
  source   = "./modules/identity"
  for_each = local.identities

  subscription_id     = var.subscription_id
  name                = "id-mlops-ci-${each.key}"
  location            = var.location
  resource_group_name = each.value.resource_group_name
  tags                = merge(var.tags, { environment = each.value.environment })
  role_assignments    = each.value.roles

  federated_credentials = merge(
    each.value.github_subject == null ? {} : { github = { issuer = local.github_issuer, subject = each.value.github_subject } },
    each.value.ado_subject == null ? {} : { azure-devops = { issuer = local.ado_issuer, subject = each.value.ado_subject } },
  )
}
