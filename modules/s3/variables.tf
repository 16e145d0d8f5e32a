variable "bucket_prefix" {
  description = "Start of the bucket name (end it with '-'); the provider appends a unique 26-character suffix, so at most 37 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,36}$", var.bucket_prefix)) && !strcontains(var.bucket_prefix, "--")
    error_message = "bucket_prefix must be 1-37 lowercase letters, digits or single hyphens, starting with a letter or digit (the provider appends 26 characters; bucket names end at 63)."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key for default bucket encryption (SSE-KMS with a bucket key)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "notification_queue_arn" {
  description = "ARN of the SQS queue that receives s3:ObjectCreated:* and s3:ObjectRemoved:* events under source_prefix. Pass an ARN that depends on the queue's policy (modules/sqs output `queue_arn`)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}$", var.notification_queue_arn))
    error_message = "notification_queue_arn must be an SQS queue ARN."
  }
}

variable "source_prefix" {
  description = "Key prefix of the uploads that are sent to the queue (and that the optional transition applies to)."
  type        = string
  default     = "uploads/"

  validation {
    condition     = length(var.source_prefix) > 0 && endswith(var.source_prefix, "/") && !startswith(var.source_prefix, "/")
    error_message = "source_prefix must be non-empty, end with '/' and not start with '/'."
  }
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the bucket with every object version in it. Only for throwaway environments."
  type        = bool
  default     = false
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which overwritten or deleted object versions are permanently removed."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number of at least 1."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which the parts of an unfinished multipart upload are deleted."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "abort_incomplete_multipart_upload_days must be a whole number of at least 1."
  }
}

variable "uploads_transition_days" {
  description = "Days after which originals under source_prefix move to uploads_transition_storage_class; null keeps them in STANDARD."
  type        = number
  default     = null

  validation {
    condition     = var.uploads_transition_days == null ? true : (var.uploads_transition_days >= 30 && floor(var.uploads_transition_days) == var.uploads_transition_days)
    error_message = "uploads_transition_days must be null or a whole number of at least 30 (S3's minimum for STANDARD_IA and ONEZONE_IA)."
  }
}

variable "uploads_transition_storage_class" {
  description = "Storage class that old originals move to when uploads_transition_days is set."
  type        = string
  default     = "STANDARD_IA"

  validation {
    condition     = contains(["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"], var.uploads_transition_storage_class)
    error_message = "uploads_transition_storage_class must be one of STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE."
  }
}

variable "tags" {
  description = "Tags for the bucket (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
