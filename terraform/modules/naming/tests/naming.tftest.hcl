# Runs offline: the module has no provider. `terraform test` from the module directory.

variables {
  namespace   = "mlopstk"
  postfix     = "0001"
  environment = "dev"
}

run "derives_names_without_suffix" {
  command = plan

  assert {
    condition     = output.names.resource_group == "rg-mlopstk-0001dev"
    error_message = "resource group name does not follow rg-<namespace>-<postfix><environment>"
  }
  assert {
    condition     = output.names.storage_account == "stmlopstk0001dev"
    error_message = "storage account name does not follow st<namespace><postfix><environment>"
  }
  assert {
    condition     = output.names.key_vault == "kv-mlopstk-0001dev"
    error_message = "key vault name does not follow kv-<namespace>-<postfix><environment>"
  }
  assert {
    condition     = output.suffix == ""
    error_message = "suffix must be empty when use_unique_suffix is false"
  }
}

run "suffix_is_sha256_of_subscription_and_environment" {
  command = plan

  variables {
    subscription_id   = "00000000-0000-0000-0000-000000000000"
    use_unique_suffix = true
  }

  assert {
    condition     = output.suffix == substr(sha256("00000000-0000-0000-0000-000000000000/dev"), 0, 4)
    error_message = "suffix must be the first 4 hex characters of sha256(\"<subscription>/<environment>\")"
  }
  assert {
    condition     = output.names.workspace == "mlw-mlopstk-0001dev-${output.suffix}"
    error_message = "hyphenated names must end in -<suffix>"
  }
  assert {
    condition     = output.names.container_registry == "crmlopstk0001dev${output.suffix}"
    error_message = "alphanumeric names must end in <suffix>"
  }
}

run "null_subscription_seeds_with_empty_string" {
  command = plan

  variables {
    use_unique_suffix = true
  }

  assert {
    condition     = output.suffix == substr(sha256("/dev"), 0, 4)
    error_message = "a null subscription must seed the suffix with \"\""
  }
}

run "longest_inputs_stay_within_azure_limits" {
  command = plan

  variables {
    namespace         = "abcdefgh"
    postfix           = "9999"
    environment       = "prod"
    use_unique_suffix = true
  }

  assert {
    condition     = length(output.names.storage_account) <= 24 && length(output.names.key_vault) <= 24
    error_message = "storage account and key vault names must stay within 24 characters"
  }
  assert {
    condition     = length(output.names.workspace) <= 33 && length(output.names.online_endpoint) <= 32
    error_message = "workspace and endpoint names must stay within their limits"
  }
}

run "valid_override_replaces_one_name" {
  command = plan

  variables {
    overrides = { key_vault = "kv-custom-name" }
  }

  assert {
    condition     = output.names.key_vault == "kv-custom-name" && output.names.workspace == "mlw-mlopstk-0001dev"
    error_message = "an override must replace only the named entry"
  }
}

run "rejects_uppercase_namespace" {
  command = plan
  variables {
    namespace = "MLOps"
  }
  expect_failures = [var.namespace]
}

run "rejects_long_namespace" {
  command = plan
  variables {
    namespace = "namespacetoolong"
  }
  expect_failures = [var.namespace]
}

run "rejects_five_digit_postfix" {
  command = plan
  variables {
    postfix = "00001"
  }
  expect_failures = [var.postfix]
}

run "rejects_unknown_environment" {
  command = plan
  variables {
    environment = "staging"
  }
  expect_failures = [var.environment]
}

run "rejects_malformed_subscription" {
  command = plan
  variables {
    subscription_id = "not-a-guid"
  }
  expect_failures = [var.subscription_id]
}

run "rejects_storage_account_with_hyphens" {
  command = plan
  variables {
    overrides = { storage_account = "st-mlops-dev" }
  }
  expect_failures = [var.overrides]
}

run "rejects_storage_account_over_24_characters" {
  command = plan
  variables {
    overrides = { storage_account = "stmlopstoolkitlongname0001" }
  }
  expect_failures = [var.overrides]
}

run "rejects_key_vault_with_double_hyphen" {
  command = plan
  variables {
    overrides = { key_vault = "kv--mlops-dev" }
  }
  expect_failures = [var.overrides]
}

run "rejects_key_vault_starting_with_digit" {
  command = plan
  variables {
    overrides = { key_vault = "1kv-mlops-dev" }
  }
  expect_failures = [var.overrides]
}

run "rejects_short_container_registry" {
  command = plan
  variables {
    overrides = { container_registry = "cr1" }
  }
  expect_failures = [var.overrides]
}

run "rejects_workspace_over_33_characters" {
  command = plan
  variables {
    overrides = { workspace = "mlw-a-very-long-workspace-name-0001" }
  }
  expect_failures = [var.overrides]
}

run "rejects_endpoint_starting_with_digit" {
  command = plan
  variables {
    overrides = { online_endpoint = "0ep-mlops" }
  }
  expect_failures = [var.overrides]
}

run "rejects_unknown_override_key" {
  command = plan
  variables {
    overrides = { databricks = "dbw-mlops" }
  }
  expect_failures = [var.overrides]
}
