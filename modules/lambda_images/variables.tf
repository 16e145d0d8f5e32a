# --- the function -------------------------------------------------------------------------------------------

variable "function_name" {
  description = "Name of the function; also names its role, log group (/aws/lambda/<name>) and alarms."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 letters, digits, '_' or '-' (it also names the IAM role, which allows 64)."
  }
}

variable "description" {
  description = "Description of the function."
  type        = string
  default     = "imgpipe: renders image variants for S3 uploads delivered through SQS"
}

variable "zip_path" {
  description = "Path of the function package built from src/image_processor (`make package` -> build/function.zip)."
  type        = string

  validation {
    condition     = endswith(var.zip_path, ".zip")
    error_message = "zip_path must name a .zip file."
  }
}

variable "source_code_hash" {
  description = "Base64-encoded SHA-256 of the package (filebase64sha256); a change deploys new code."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+/]{43}=$", var.source_code_hash))
    error_message = "source_code_hash must be a base64-encoded SHA-256 digest, as filebase64sha256() returns."
  }
}

variable "layer_arns" {
  description = "Layer version ARNs, in order (the dependency layer from modules/lambda_layer)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.layer_arns) <= 5
    error_message = "A function takes at most 5 layers."
  }
}

variable "architecture" {
  description = "Instruction set of the function; the layer must be built for the same one."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "memory_mb" {
  description = "Memory of the function in MB (CPU scales with it; decoding a 50 MP image needs about 150 MB per copy)."
  type        = number
  default     = 1024

  validation {
    condition     = var.memory_mb >= 128 && var.memory_mb <= 10240 && floor(var.memory_mb) == var.memory_mb
    error_message = "memory_mb must be a whole number from 128 to 10240."
  }
}

variable "timeout_seconds" {
  description = "Timeout of one invocation (one batch) in seconds; the queue's visibility timeout must be at least 6 x this."
  type        = number
  default     = 60

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 900 && floor(var.timeout_seconds) == var.timeout_seconds
    error_message = "timeout_seconds must be a whole number from 1 to 900."
  }
}

variable "ephemeral_storage_mb" {
  description = "Size of /tmp in MB."
  type        = number
  default     = 512

  validation {
    condition     = var.ephemeral_storage_mb >= 512 && var.ephemeral_storage_mb <= 10240 && floor(var.ephemeral_storage_mb) == var.ephemeral_storage_mb
    error_message = "ephemeral_storage_mb must be a whole number from 512 to 10240."
  }
}

variable "reserved_concurrency" {
  description = "Concurrency reserved for the function; -1 reserves none. If set, keep it at or above maximum_concurrency."
  type        = number
  default     = -1

  validation {
    condition     = (var.reserved_concurrency == -1 || var.reserved_concurrency >= 1) && floor(var.reserved_concurrency) == var.reserved_concurrency
    error_message = "reserved_concurrency must be -1 (no reservation) or a whole number of at least 1 (0 would stop the function; disable the event source mapping instead)."
  }
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

variable "permissions_boundary_arn" {
  description = "ARN of an IAM permissions boundary for the execution role, if the account requires one."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be null or an IAM policy ARN."
  }
}

# --- what it works on ---------------------------------------------------------------------------------------

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key of the bucket, queue and table; also encrypts the log group and the function's environment variables."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "bucket_name" {
  description = "Name of the image bucket: uploads are read from it and variants written to it (DESTINATION_BUCKET); its ARN is built from it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name."
  }
}

variable "source_prefix" {
  description = "Key prefix of the uploads to process (SOURCE_PREFIX); the role may read only under it."
  type        = string
  default     = "uploads/"

  validation {
    condition     = length(var.source_prefix) > 0 && endswith(var.source_prefix, "/") && !startswith(var.source_prefix, "/")
    error_message = "source_prefix must be non-empty, end with '/' and not start with '/'."
  }
}

variable "destination_prefix" {
  description = "Key prefix the variants are written under (DESTINATION_PREFIX); the role may write only under it."
  type        = string
  default     = "processed/"

  validation {
    condition     = length(var.destination_prefix) > 0 && endswith(var.destination_prefix, "/") && !startswith(var.destination_prefix, "/")
    error_message = "destination_prefix must be non-empty, end with '/' and not start with '/'."
  }
}

variable "queue_name" {
  description = "Name of the main queue, in the function's account and Region: the event source mapping consumes it, the role may receive from it, the oldest-message-age alarm watches it."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.queue_name))
    error_message = "queue_name must be 1-80 letters, digits, '_' or '-' (a standard SQS queue name)."
  }
}

variable "dlq_name" {
  description = "Name of the dead-letter queue (dimension of the DLQ depth alarm)."
  type        = string
}

variable "table_name" {
  description = "Name of the metadata table, in the function's account and Region (METADATA_TABLE); the role may put and update items in it (no index access)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.table_name))
    error_message = "table_name must be 3-255 letters, digits, '_', '.' or '-' (a DynamoDB table name)."
  }
}

# --- the function's settings (environment variables) --------------------------------------------------------

variable "variants" {
  description = "VARIANTS: a preset name (default, half, web) or a JSON list of variant specs."
  type        = string
  default     = "default"

  validation {
    condition     = length(trimspace(var.variants)) > 0
    error_message = "variants must be a preset name or a JSON list of variant specs."
  }
}

variable "max_input_pixels" {
  description = "MAX_INPUT_PIXELS: larger images are rejected before decoding."
  type        = number
  default     = 50000000

  validation {
    condition     = var.max_input_pixels >= 1 && floor(var.max_input_pixels) == var.max_input_pixels
    error_message = "max_input_pixels must be a whole number of at least 1."
  }
}

variable "max_input_bytes" {
  description = "MAX_INPUT_BYTES: larger objects are rejected before download."
  type        = number
  default     = 52428800

  validation {
    condition     = var.max_input_bytes >= 1 && floor(var.max_input_bytes) == var.max_input_bytes
    error_message = "max_input_bytes must be a whole number of at least 1."
  }
}

variable "cache_control" {
  description = "CACHE_CONTROL: the Cache-Control header of every variant."
  type        = string
  default     = "public, max-age=86400"

  validation {
    condition     = can(regex("^[ -~]+$", var.cache_control))
    error_message = "cache_control must be non-empty printable ASCII (it is sent as an HTTP header)."
  }
}

variable "max_receive_count" {
  description = "MAX_RECEIVE_COUNT: the queue's maxReceiveCount, so the function knows which receive is the last."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number from 1 to 1000."
  }
}

variable "metadata_ttl_days" {
  description = "METADATA_TTL_DAYS: days until a metadata record expires (table TTL attribute expires_at); 0 keeps records forever."
  type        = number
  default     = 0

  validation {
    condition     = var.metadata_ttl_days >= 0 && var.metadata_ttl_days <= 36500 && floor(var.metadata_ttl_days) == var.metadata_ttl_days
    error_message = "metadata_ttl_days must be a whole number from 0 to 36500."
  }
}

variable "service_name" {
  description = "POWERTOOLS_SERVICE_NAME: the service name on logs, metrics and traces."
  type        = string
  default     = "imgpipe"

  validation {
    condition     = length(trimspace(var.service_name)) > 0
    error_message = "service_name must not be empty."
  }
}

variable "metrics_namespace" {
  description = "POWERTOOLS_METRICS_NAMESPACE: the CloudWatch namespace of the function's metrics."
  type        = string
  default     = "imgpipe"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/#:-]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be 1-255 of letters, digits and . _ / # : - and must not start with 'AWS/'."
  }
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL: DEBUG, INFO, WARNING, ERROR or CRITICAL."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
  }
}

# --- the event source mapping --------------------------------------------------------------------------------

variable "event_source_mapping_enabled" {
  description = "Whether the event source mapping polls the queue; false pauses processing (uploads wait in the queue, up to its retention)."
  type        = bool
  default     = true
}

variable "batch_size" {
  description = "Most messages per invocation (above 10 needs a batching window)."
  type        = number
  default     = 10

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000 && floor(var.batch_size) == var.batch_size
    error_message = "batch_size must be a whole number from 1 to 10000."
  }
}

variable "batching_window_seconds" {
  description = "Seconds the poller may wait to fill a batch."
  type        = number
  default     = 0

  validation {
    condition     = var.batching_window_seconds >= 0 && var.batching_window_seconds <= 300 && floor(var.batching_window_seconds) == var.batching_window_seconds
    error_message = "batching_window_seconds must be a whole number from 0 to 300."
  }
}

variable "maximum_concurrency" {
  description = "Most concurrent invocations the SQS event source starts (scaling_config.maximum_concurrency)."
  type        = number
  default     = 5

  validation {
    condition     = var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000 && floor(var.maximum_concurrency) == var.maximum_concurrency
    error_message = "maximum_concurrency must be a whole number from 2 to 1000."
  }
}

# --- alarms ------------------------------------------------------------------------------------------------

variable "alarm_topic_arn" {
  description = "ARN of the SNS topic every alarm notifies on ALARM and on OK."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be an SNS topic ARN."
  }
}

variable "duration_alarm_ratio" {
  description = "The duration alarm fires when p95 duration exceeds this fraction of the timeout."
  type        = number
  default     = 0.8

  validation {
    condition     = var.duration_alarm_ratio > 0 && var.duration_alarm_ratio < 1
    error_message = "duration_alarm_ratio must be between 0 and 1 (exclusive)."
  }
}

variable "queue_age_alarm_seconds" {
  description = "The queue alarm fires when the oldest message has waited longer than this for 5 minutes."
  type        = number
  default     = 900

  validation {
    condition     = var.queue_age_alarm_seconds >= 60 && floor(var.queue_age_alarm_seconds) == var.queue_age_alarm_seconds
    error_message = "queue_age_alarm_seconds must be a whole number of at least 60."
  }
}

variable "tags" {
  description = "Tags for every resource of the module (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
