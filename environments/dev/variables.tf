# The names are fixed by docs/architecture.md (the local stack reads them); values live in terraform.tfvars.

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

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch Logs' values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "function_memory_mb" {
  description = "Memory of the function in MB (CPU scales with it)."
  type        = number
  default     = 1024

  validation {
    condition     = var.function_memory_mb >= 128 && var.function_memory_mb <= 10240 && floor(var.function_memory_mb) == var.function_memory_mb
    error_message = "function_memory_mb must be a whole number from 128 to 10240."
  }
}

variable "function_timeout_seconds" {
  description = "Timeout of one invocation (one batch); the queue's visibility timeout is derived from it (6 x timeout + batching window)."
  type        = number
  default     = 60

  validation {
    condition     = var.function_timeout_seconds >= 1 && var.function_timeout_seconds <= 900 && floor(var.function_timeout_seconds) == var.function_timeout_seconds
    error_message = "function_timeout_seconds must be a whole number from 1 to 900."
  }
}

variable "function_architecture" {
  description = "Instruction set of the function and of the layer it uses: x86_64 or arm64."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.function_architecture)
    error_message = "function_architecture must be x86_64 or arm64."
  }
}

variable "reserved_concurrency" {
  description = "Concurrency reserved for the function; -1 reserves none. If set, at least maximum_concurrency."
  type        = number
  default     = -1

  validation {
    condition     = (var.reserved_concurrency == -1 || var.reserved_concurrency >= 1) && floor(var.reserved_concurrency) == var.reserved_concurrency
    error_message = "reserved_concurrency must be -1 (no reservation) or a whole number of at least 1."
  }
}

variable "maximum_concurrency" {
  description = "Most concurrent invocations the SQS event source mapping starts."
  type        = number
  default     = 5

  validation {
    condition     = var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000 && floor(var.maximum_concurrency) == var.maximum_concurrency
    error_message = "maximum_concurrency must be a whole number from 2 to 1000."
  }
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

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000 && floor(var.batch_size) == var.batch_size
    error_message = "batch_size must be a whole number from 1 to 10000."
  }
}

variable "batching_window_seconds" {
  description = "Seconds the event source mapping may wait to fill a batch."
  type        = number
  default     = 0

  validation {
    condition     = var.batching_window_seconds >= 0 && var.batching_window_seconds <= 300 && floor(var.batching_window_seconds) == var.batching_window_seconds
    error_message = "batching_window_seconds must be a whole number from 0 to 300."
  }
}

variable "max_receive_count" {
  description = "Receives of a message before SQS moves it to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number from 1 to 1000."
  }
}

variable "queue_retention_seconds" {
  description = "Seconds the main queue keeps a message."
  type        = number
  default     = 345600

  validation {
    condition     = var.queue_retention_seconds >= 60 && var.queue_retention_seconds <= 1209600 && floor(var.queue_retention_seconds) == var.queue_retention_seconds
    error_message = "queue_retention_seconds must be a whole number from 60 to 1209600 (14 days)."
  }
}

variable "dlq_retention_seconds" {
  description = "Seconds the dead-letter queue keeps a message; must exceed queue_retention_seconds."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_retention_seconds >= 60 && var.dlq_retention_seconds <= 1209600 && floor(var.dlq_retention_seconds) == var.dlq_retention_seconds
    error_message = "dlq_retention_seconds must be a whole number from 60 to 1209600 (14 days)."
  }
}

variable "variants" {
  description = "Variants to render: a preset name (default, half, web) or a JSON list of variant specs."
  type        = string
  default     = "default"

  validation {
    condition     = length(trimspace(var.variants)) > 0
    error_message = "variants must be a preset name or a JSON list of variant specs."
  }
}

variable "max_input_pixels" {
  description = "Images with more pixels are rejected before decoding."
  type        = number
  default     = 50000000

  validation {
    condition     = var.max_input_pixels >= 1 && floor(var.max_input_pixels) == var.max_input_pixels
    error_message = "max_input_pixels must be a whole number of at least 1."
  }
}

variable "max_input_bytes" {
  description = "Objects larger than this many bytes are rejected before download."
  type        = number
  default     = 52428800

  validation {
    condition     = var.max_input_bytes >= 1 && floor(var.max_input_bytes) == var.max_input_bytes
    error_message = "max_input_bytes must be a whole number of at least 1."
  }
}

variable "cache_control" {
  description = "Cache-Control header of every variant."
  type        = string
  default     = "public, max-age=86400"

  validation {
    condition     = can(regex("^[ -~]+$", var.cache_control))
    error_message = "cache_control must be non-empty printable ASCII (it is sent as an HTTP header)."
  }
}

variable "metadata_ttl_days" {
  description = "Days until a metadata record expires; 0 keeps records forever."
  type        = number
  default     = 0

  validation {
    condition     = var.metadata_ttl_days >= 0 && var.metadata_ttl_days <= 36500 && floor(var.metadata_ttl_days) == var.metadata_ttl_days
    error_message = "metadata_ttl_days must be a whole number from 0 to 36500."
  }
}

variable "function_zip_path" {
  description = "Path of the function package; null means build/function.zip at the repository root (make package)."
  type        = string
  default     = null

  validation {
    condition     = var.function_zip_path == null ? true : endswith(var.function_zip_path, ".zip")
    error_message = "function_zip_path must be null or name a .zip file."
  }
}

variable "layer_zip_path" {
  description = "Path of the dependency layer zip; null means build/layer-<function_architecture>.zip at the repository root (make layer)."
  type        = string
  default     = null

  validation {
    condition     = var.layer_zip_path == null ? true : endswith(var.layer_zip_path, ".zip")
    error_message = "layer_zip_path must be null or name a .zip file."
  }
}
