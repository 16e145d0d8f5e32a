variable "name" {
  description = "Name of the key; the alias is `alias/<name>`."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_-]{1,250}$", var.name)) && !startswith(var.name, "aws/")
    error_message = "name must be 1-250 characters of letters, digits, '/', '_' or '-', and must not start with 'aws/'."
  }
}

variable "description" {
  description = "Description of the key, shown in the KMS console."
  type        = string
  default     = "imgpipe: encrypts the image bucket, queues, metadata table, alarm topic and logs"
}

variable "deletion_window_in_days" {
  description = "Days a scheduled key deletion waits before the key (and everything encrypted with it) is gone."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30 && floor(var.deletion_window_in_days) == var.deletion_window_in_days
    error_message = "deletion_window_in_days must be a whole number from 7 to 30."
  }
}

variable "rotation_period_in_days" {
  description = "Days between automatic rotations of the key material."
  type        = number
  default     = 365

  validation {
    condition     = var.rotation_period_in_days >= 90 && var.rotation_period_in_days <= 2560 && floor(var.rotation_period_in_days) == var.rotation_period_in_days
    error_message = "rotation_period_in_days must be a whole number from 90 to 2560."
  }
}

variable "s3_source_bucket_arns" {
  description = "ARNs of the buckets whose event notifications S3 encrypts with this key (they feed an SSE-KMS queue)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.s3_source_bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", arn))])
    error_message = "Every s3_source_bucket_arns entry must be a bucket ARN (arn:<partition>:s3:::<bucket>)."
  }
}

variable "alarm_topic_arns" {
  description = "ARNs of the SNS topics encrypted with this key that CloudWatch alarms publish to."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.alarm_topic_arns : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", arn))])
    error_message = "Every alarm_topic_arns entry must be an SNS topic ARN."
  }
}

variable "log_group_arns" {
  description = "ARNs (without a trailing `:*`) of the CloudWatch Logs log groups encrypted with this key."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.log_group_arns : can(regex("^arn:aws[a-z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[^*]+$", arn))])
    error_message = "Every log_group_arns entry must be a log group ARN without a wildcard or trailing ':*'."
  }
}

variable "tags" {
  description = "Tags for the key (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
