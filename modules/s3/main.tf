resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:Server access logs need a separate log bucket; enable them (or CloudTrail S3 data events) at the account level.
  #checkov:skip=CKV_AWS_144:Cross-region replication is out of scope: originals are the user's uploads and variants can be re-rendered (imgpipe reprocess).
  # The provider appends a unique 26-character suffix, fixed for the life of the bucket: names are global.
  bucket_prefix = var.bucket_prefix
  force_destroy = var.force_destroy

  tags = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
  }
}

# TLS only, and TLS 1.2 or newer: each a Deny on every S3 action when its condition holds (a Deny grants nothing).
data "aws_iam_policy_document" "this" {
  dynamic "statement" {
    for_each = {
      DenyInsecureTransport = { test = "Bool", variable = "aws:SecureTransport", value = "false" }
      DenyTlsOlderThan12    = { test = "NumericLessThan", variable = "s3:TlsVersion", value = "1.2" }
    }

    content {
      sid       = statement.key
      effect    = "Deny"
      actions   = ["s3:*"]
      resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = statement.value.test
        variable = statement.value.variable
        values   = [statement.value.value]
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.this.json

  # S3 rejects a policy while the public access block is being written; order the two.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    # Delete markers left with no versions behind them are removed too.
    expiration {
      expired_object_delete_marker = true
    }
  }

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  # Optional: the rule is always present and only enabled when uploads_transition_days is set.
  rule {
    id     = "transition-old-uploads"
    status = var.uploads_transition_days == null ? "Disabled" : "Enabled"

    filter {
      prefix = var.source_prefix
    }

    transition {
      days          = coalesce(var.uploads_transition_days, 365)
      storage_class = var.uploads_transition_storage_class
    }
  }

  # Noncurrent-version rules need versioning in place first.
  depends_on = [aws_s3_bucket_versioning.this]
}

# A bucket has exactly one notification configuration and saving it replaces the whole of it: nothing else
# may manage notifications on this bucket. S3 validates the destination by sending an s3:TestEvent, so the
# queue policy (and the key policy that lets S3 encrypt for the queue) must exist first: the caller passes
# a queue ARN that depends on its queue policy (modules/sqs output `queue_arn`). Removals are sent too: the
# function deletes a deleted upload's variants.
resource "aws_s3_bucket_notification" "this" {
  bucket = aws_s3_bucket.this.id

  queue {
    id            = "uploads-to-queue"
    queue_arn     = var.notification_queue_arn
    events        = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] # removals delete the upload's variants
    filter_prefix = var.source_prefix
  }
}
