terraform {
  # Provider-free: variables, locals and outputs only, so `terraform test` runs offline.
  required_version = ">= 1.9.0, < 2.0.0"
}
