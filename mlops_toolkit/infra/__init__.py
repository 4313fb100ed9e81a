"""Infrastructure: tfvars and backend rendering, and the Terraform runner."""
