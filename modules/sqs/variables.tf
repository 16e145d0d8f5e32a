variable "name" {
  description = "Name of the main queue; the dead-letter queue is `<name>-dlq`."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,76}$", var.name))
    error_message = "name must be 1-76 letters, digits, '_' or '-' (76 leaves room for the '-dlq' suffix within SQS's 80)."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key for both queues. S3 can only send to an SSE-KMS queue with a customer managed key whose policy lets s3.amazonaws.com use it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "kms_data_key_reuse_period_seconds" {
  description = "Seconds SQS reuses a data key before calling KMS again (more = fewer KMS requests)."
  type        = number
  default     = 300

  validation {
    condition     = var.kms_data_key_reuse_period_seconds >= 60 && var.kms_data_key_reuse_period_seconds <= 86400 && floor(var.kms_data_key_reuse_period_seconds) == var.kms_data_key_reuse_period_seconds
    error_message = "kms_data_key_reuse_period_seconds must be a whole number from 60 to 86400."
  }
}

variable "source_bucket_arns" {
  description = "ARNs of the buckets allowed to send event notifications to the main queue (aws:SourceArn), all in this account (aws:SourceAccount)."
  type        = list(string)

  validation {
    condition     = length(var.source_bucket_arns) > 0 && alltrue([for arn in var.source_bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", arn))])
    error_message = "source_bucket_arns must hold at least one bucket ARN (arn:<partition>:s3:::<bucket>)."
  }
}

variable "function_timeout_seconds" {
  description = "Timeout of the consuming Lambda function; the visibility timeout is checked against 6 x this value."
  type        = number

  validation {
    condition     = var.function_timeout_seconds >= 1 && var.function_timeout_seconds <= 900 && floor(var.function_timeout_seconds) == var.function_timeout_seconds
    error_message = "function_timeout_seconds must be a whole number from 1 to 900."
  }
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the main queue; must be at least 6 x function_timeout_seconds (the environments derive it)."
  type        = number

  validation {
    condition     = var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200 && floor(var.visibility_timeout_seconds) == var.visibility_timeout_seconds
    error_message = "visibility_timeout_seconds must be a whole number from 0 to 43200 (12 hours)."
  }
}

variable "max_receive_count" {
  description = "Receives after which a message moves to the dead-letter queue (the redrive policy's maxReceiveCount)."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number from 1 to 1000."
  }
}

variable "message_retention_seconds" {
  description = "Seconds the main queue keeps a message."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600 && floor(var.message_retention_seconds) == var.message_retention_seconds
    error_message = "message_retention_seconds must be a whole number from 60 to 1209600 (14 days)."
  }
}

variable "dlq_message_retention_seconds" {
  description = "Seconds the dead-letter queue keeps a message; must exceed message_retention_seconds (a message keeps its original enqueue time in the DLQ)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600 && floor(var.dlq_message_retention_seconds) == var.dlq_message_retention_seconds
    error_message = "dlq_message_retention_seconds must be a whole number from 60 to 1209600 (14 days)."
  }
}

variable "tags" {
  description = "Tags for both queues (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
