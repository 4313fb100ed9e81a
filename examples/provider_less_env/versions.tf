terraform {
  # terraform_data is built in from 1.4; no provider is downloaded.
  required_version = ">= 1.4.0"
}
