variable "name" {
  description = "Name of the metadata table."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.name))
    error_message = "name must be 3-255 letters, digits, '_', '.' or '-'."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key for server-side encryption of the table."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "billing_mode" {
  description = "PAY_PER_REQUEST (on demand) or PROVISIONED (then set read_capacity and write_capacity)."
  type        = string
  default     = "PAY_PER_REQUEST"

  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.billing_mode)
    error_message = "billing_mode must be PAY_PER_REQUEST or PROVISIONED."
  }
}

variable "read_capacity" {
  description = "Read capacity units of the table and of the by_status index, for billing_mode PROVISIONED."
  type        = number
  default     = null

  validation {
    condition     = var.read_capacity == null ? true : (var.read_capacity >= 1 && floor(var.read_capacity) == var.read_capacity)
    error_message = "read_capacity must be null or a whole number of at least 1."
  }
}

variable "write_capacity" {
  description = "Write capacity units of the table and of the by_status index, for billing_mode PROVISIONED."
  type        = number
  default     = null

  validation {
    condition     = var.write_capacity == null ? true : (var.write_capacity >= 1 && floor(var.write_capacity) == var.write_capacity)
    error_message = "write_capacity must be null or a whole number of at least 1."
  }
}

variable "point_in_time_recovery" {
  description = "Keep continuous backups (restore to any second of the last 35 days)."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Refuse DeleteTable (including from terraform destroy) until this is turned off."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for the table (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
