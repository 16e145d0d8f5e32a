# The names are fixed by docs/architecture.md (the local stack reads them); values live in terraform.tfvars.
#
# Only the rules no module can check are here (the Region, and the values that make up names and the alarm
# subscriptions). Every other value is checked once, by the module that uses it: Terraform reports a module
# variable's failed validation on this root's plan too, naming the module's variable and the argument in main.tf
# that passes it. Where the names differ: function_* -> modules/lambda_images (memory_mb, timeout_seconds,
# architecture, zip_path; the timeout also in modules/sqs), queue_retention_seconds / dlq_retention_seconds ->
# modules/sqs (message_retention_seconds / dlq_message_retention_seconds), layer_zip_path -> modules/lambda_layer
# (zip_path), function_architecture also -> modules/lambda_layer (compatible_architectures).

variable "aws_region" {
  description = "AWS Region of the stack."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2,4}(-[a-z]+)+-[0-9]+$", var.aws_region))
    error_message = "aws_region must be a Region code such as eu-west-1."
  }
}

variable "environment" {
  description = "Environment name (dev, staging, prod, ...); part of every resource name and the Environment tag."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,15}$", var.environment))
    error_message = "environment must be 1-16 lowercase letters or digits, starting with a letter."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name: resources are named <name_prefix>-<environment>-<what>."
  type        = string
  default     = "imgpipe"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", var.name_prefix)) && !strcontains(var.name_prefix, "--")
    error_message = "name_prefix must be 2-24 lowercase letters, digits or single hyphens, starting with a letter and ending with a letter or digit (it becomes part of the bucket name)."
  }
}

variable "alarm_emails" {
  description = "E-mail addresses subscribed to the alarm topic (each must confirm the subscription e-mail)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for email in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", email))])
    error_message = "Every alarm_emails entry must be an e-mail address."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete the image bucket with all its objects. Only for throwaway environments."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Protect the metadata table from deletion (terraform destroy fails until it is turned off)."
  type        = bool
  default     = true
}

variable "point_in_time_recovery" {
  description = "Continuous backups of the metadata table (restore to any second of the last 35 days)."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Days the function's log group keeps events."
  type        = number
  default     = 30
}

variable "function_memory_mb" {
  description = "Memory of the function in MB (CPU scales with it)."
  type        = number
  default     = 1024
}

variable "function_timeout_seconds" {
  description = "Timeout of one invocation (one batch); the queue's visibility timeout is derived from it (6 x timeout + batching window)."
  type        = number
  default     = 60
}

variable "function_architecture" {
  description = "Instruction set of the function and of the layer it uses: x86_64 or arm64."
  type        = string
  default     = "x86_64"
}

variable "reserved_concurrency" {
  description = "Concurrency reserved for the function; -1 reserves none. If set, at least maximum_concurrency."
  type        = number
  default     = -1
}

variable "maximum_concurrency" {
  description = "Most concurrent invocations the SQS event source mapping starts."
  type        = number
  default     = 5
}

variable "processing_enabled" {
  description = "Whether the function consumes the queue (its event source mapping is enabled); false pauses processing while uploads wait in the queue."
  type        = bool
  default     = true
}

variable "batch_size" {
  description = "Most messages per invocation (above 10 needs batching_window_seconds >= 1)."
  type        = number
  default     = 10
}

variable "batching_window_seconds" {
  description = "Seconds the event source mapping may wait to fill a batch."
  type        = number
  default     = 0
}

variable "max_receive_count" {
  description = "Receives of a message before SQS moves it to the dead-letter queue."
  type        = number
  default     = 5
}

variable "queue_retention_seconds" {
  description = "Seconds the main queue keeps a message."
  type        = number
  default     = 345600
}

variable "dlq_retention_seconds" {
  description = "Seconds the dead-letter queue keeps a message; must exceed queue_retention_seconds."
  type        = number
  default     = 1209600
}

variable "variants" {
  description = "Variants to render: a preset name (default, half, web) or a JSON list of variant specs."
  type        = string
  default     = "default"
}

variable "max_input_pixels" {
  description = "Images with more pixels are rejected before decoding."
  type        = number
  default     = 50000000
}

variable "max_input_bytes" {
  description = "Objects larger than this many bytes are rejected before download."
  type        = number
  default     = 52428800
}

variable "cache_control" {
  description = "Cache-Control header of every variant."
  type        = string
  default     = "public, max-age=86400"
}

variable "metadata_ttl_days" {
  description = "Days until a metadata record expires; 0 keeps records forever."
  type        = number
  default     = 0
}

variable "function_zip_path" {
  description = "Path of the function package; null means build/function.zip at the repository root (make package)."
  type        = string
  default     = null
}

variable "layer_zip_path" {
  description = "Path of the dependency layer zip; null means build/layer-<function_architecture>.zip at the repository root (make layer)."
  type        = string
  default     = null
}
