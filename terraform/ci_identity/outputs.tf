# Printed after apply: the values to paste into the CI system. None of them is a secret.

output "github_variables" {
  description = "GitHub repository variables (Settings > Secrets and variables > Actions > Variables) that the generated workflows read."
  value = var.github == null ? {} : merge(
    { AZURE_TENANT_ID = module.identity[keys(local.identities)[0]].tenant_id },
    { for env in keys(var.environments) : "AZURE_CLIENT_ID_${upper(env)}" => module.identity["${env}-deploy"].client_id },
    { for env in keys(var.environments) : "AZURE_PLAN_CLIENT_ID_${upper(env)}" => module.identity["${env}-plan"].client_id },
    { for env in keys(var.environments) : "AZURE_SUBSCRIPTION_ID_${upper(env)}" => var.subscription_id },
  )
}

output "azure_devops_service_connections" {
  description = "Azure DevOps service connections to create (Azure Resource Manager, workload identity federation, manual): name -> issuer, subject, client ID, tenant ID, subscription."
  value = var.azure_devops == null ? {} : {
    for key, identity in local.identities : "mlops-${replace(key, "-deploy", "")}" => {
      issuer          = local.ado_issuer
      subject         = identity.ado_subject
      client_id       = module.identity[key].client_id
      tenant_id       = module.identity[key].tenant_id
      subscription_id = var.subscription_id
    }
  }
}

output "role_assignment_scopes" {
  description = "Every role assignment's scope, by identity and role: resource groups and the state container only."
  value       = { for key, identity in module.identity : key => identity.role_assignment_scopes }
}
