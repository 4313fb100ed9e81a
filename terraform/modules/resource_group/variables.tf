variable "name" {
  type        = string
  description = "Name of the resource group (1-90 letters, digits, '-', '_', '.', '()'; not ending in '.')."
  nullable    = false

  validation {
    condition     = can(regex("^[-\\w.()]{0,89}[-\\w()]$", var.name))
    error_message = "name must be 1-90 letters, digits, '-', '_', '.', '()' and must not end with '.'."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the resources, e.g. westeurope."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9]+$", var.location))
    error_message = "location must be an Azure region name such as westeurope (lowercase, no spaces)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource of the module."
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 512 && length(v) <= 256 && !can(regex("[<>%&\\\\?/]", k))])
    error_message = "tag names must be at most 512 characters without <>%&\\?/ and values at most 256 characters."
  }
}

