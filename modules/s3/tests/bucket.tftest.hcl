# modules/s3: the bucket and its ownership, public access block, versioning, encryption, TLS-only policy, lifecycle
# rules, event notification and outputs. The bucket policy is asserted on the aws_iam_policy_document's arguments:
# under a mock provider its `json` is only the placeholder of tests/terraform/mocks/aws (which also
# holds the mocked bucket, s3.tfmock.hcl).

mock_provider "aws" {
  source = "../../tests/terraform/mocks/aws"
}

# Defaults (mocked apply): every promise of the module with its default inputs.
run "defaults" {
  command = apply

  # The name comes from bucket_prefix plus the provider's suffix: no fixed `bucket` (the mocked computed name
  # survives); force_destroy defaults to false.
  assert {
    condition     = jsonencode([aws_s3_bucket.this.bucket_prefix, aws_s3_bucket.this.bucket, aws_s3_bucket.this.force_destroy]) == jsonencode(["imgpipe-test-images-", "imgpipe-test-images-20250101000000000000000001", false])
    error_message = "The bucket must get bucket_prefix (its name left to the provider) and force_destroy false, got [bucket_prefix, bucket, force_destroy] = ${jsonencode([aws_s3_bucket.this.bucket_prefix, aws_s3_bucket.this.bucket, aws_s3_bucket.this.force_destroy])}."
  }

  # ACLs disabled: ownership BucketOwnerEnforced, on this bucket.
  assert {
    condition     = aws_s3_bucket_ownership_controls.this.bucket == "imgpipe-test-images-20250101000000000000000001" && [for r in aws_s3_bucket_ownership_controls.this.rule : r.object_ownership] == ["BucketOwnerEnforced"]
    error_message = "Object ownership must be BucketOwnerEnforced on the bucket."
  }

  # All public access blocked.
  assert {
    condition = (
      aws_s3_bucket_public_access_block.this.bucket == "imgpipe-test-images-20250101000000000000000001" &&
      aws_s3_bucket_public_access_block.this.block_public_acls == true &&
      aws_s3_bucket_public_access_block.this.block_public_policy == true &&
      aws_s3_bucket_public_access_block.this.ignore_public_acls == true &&
      aws_s3_bucket_public_access_block.this.restrict_public_buckets == true
    )
    error_message = "The public access block must set all four flags to true on the bucket."
  }

  # Versioning Enabled.
  assert {
    condition     = aws_s3_bucket_versioning.this.bucket == "imgpipe-test-images-20250101000000000000000001" && [for v in aws_s3_bucket_versioning.this.versioning_configuration : v.status] == ["Enabled"]
    error_message = "Versioning must be Enabled on the bucket."
  }

  # Default encryption: SSE-KMS with the given key and a bucket key.
  assert {
    condition     = aws_s3_bucket_server_side_encryption_configuration.this.bucket == "imgpipe-test-images-20250101000000000000000001" && length(aws_s3_bucket_server_side_encryption_configuration.this.rule) == 1
    error_message = "Exactly one encryption rule on the bucket."
  }

  assert {
    condition     = one([for r in aws_s3_bucket_server_side_encryption_configuration.this.rule : r.bucket_key_enabled]) == true
    error_message = "The S3 bucket key must be enabled."
  }

  assert {
    condition     = jsonencode(one([for r in aws_s3_bucket_server_side_encryption_configuration.this.rule : [for d in r.apply_server_side_encryption_by_default : { sse_algorithm = d.sse_algorithm, kms_master_key_id = d.kms_master_key_id }]])) == jsonencode([{ sse_algorithm = "aws:kms", kms_master_key_id = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }])
    error_message = "Default encryption must be aws:kms with kms_key_arn."
  }

  # Bucket policy: the module's document, on this bucket; exactly the two Deny statements.
  assert {
    condition     = aws_s3_bucket_policy.this.bucket == "imgpipe-test-images-20250101000000000000000001" && aws_s3_bucket_policy.this.policy == data.aws_iam_policy_document.this.json
    error_message = "The bucket policy must be the module's policy document, on the bucket."
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.this.statement : s.sid] == ["DenyInsecureTransport", "DenyTlsOlderThan12"]
    error_message = "The bucket policy must hold exactly DenyInsecureTransport and DenyTlsOlderThan12, got ${jsonencode([for s in data.aws_iam_policy_document.this.statement : s.sid])}."
  }

  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.this.statement :
      s.effect == "Deny" &&
      jsonencode(sort(s.actions)) == jsonencode(["s3:*"]) &&
      jsonencode(sort(s.resources)) == jsonencode(["arn:aws:s3:::imgpipe-test-images-20250101000000000000000001", "arn:aws:s3:::imgpipe-test-images-20250101000000000000000001/*"]) &&
      jsonencode([for p in s.principals : { type = p.type, identifiers = sort(p.identifiers) }]) == jsonencode([{ type = "*", identifiers = ["*"] }])
    ])
    error_message = "Both statements must Deny s3:* to every principal on the bucket and its objects."
  }

  assert {
    condition     = jsonencode(one([for s in data.aws_iam_policy_document.this.statement : [for c in s.condition : { test = c.test, variable = c.variable, values = c.values }] if s.sid == "DenyInsecureTransport"])) == jsonencode([{ test = "Bool", variable = "aws:SecureTransport", values = ["false"] }])
    error_message = "DenyInsecureTransport must apply exactly when Bool aws:SecureTransport is false."
  }

  assert {
    condition     = jsonencode(one([for s in data.aws_iam_policy_document.this.statement : [for c in s.condition : { test = c.test, variable = c.variable, values = c.values }] if s.sid == "DenyTlsOlderThan12"])) == jsonencode([{ test = "NumericLessThan", variable = "s3:TlsVersion", values = ["1.2"] }])
    error_message = "DenyTlsOlderThan12 must apply exactly when NumericLessThan s3:TlsVersion 1.2."
  }

  # Lifecycle, on this bucket: noncurrent versions expire after 30 days and expired delete markers go, bucket-wide
  # (an empty filter); incomplete multipart uploads are aborted after 7 days, bucket-wide; the transition rule is
  # present but Disabled while uploads_transition_days is null.
  assert {
    condition = aws_s3_bucket_lifecycle_configuration.this.bucket == "imgpipe-test-images-20250101000000000000000001" && jsonencode([for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.id]) == jsonencode(["expire-noncurrent-versions", "abort-incomplete-multipart-uploads", "transition-old-uploads"]) && jsonencode({ for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.id => { status = r.status, filter = [for f in r.filter : f.prefix == var.source_prefix ? f.prefix : "whole bucket"], noncurrent_days = [for n in r.noncurrent_version_expiration : n.noncurrent_days], delete_markers = [for e in r.expiration : e.expired_object_delete_marker], abort_days = [for a in r.abort_incomplete_multipart_upload : a.days_after_initiation], transition = [for t in r.transition : [t.days, t.storage_class]] } }) == jsonencode({
      "expire-noncurrent-versions"         = { status = "Enabled", filter = ["whole bucket"], noncurrent_days = [30], delete_markers = [true], abort_days = [], transition = [] }
      "abort-incomplete-multipart-uploads" = { status = "Enabled", filter = ["whole bucket"], noncurrent_days = [], delete_markers = [], abort_days = [7], transition = [] }
      "transition-old-uploads"             = { status = "Disabled", filter = ["uploads/"], noncurrent_days = [], delete_markers = [], abort_days = [], transition = [[365, "STANDARD_IA"]] }
    })
    error_message = "The lifecycle configuration must hold exactly the three rules, in order, got ${jsonencode({ for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.id => { status = r.status, filter = [for f in r.filter : f.prefix == var.source_prefix ? f.prefix : "whole bucket"], noncurrent_days = [for n in r.noncurrent_version_expiration : n.noncurrent_days], delete_markers = [for e in r.expiration : e.expired_object_delete_marker], abort_days = [for a in r.abort_incomplete_multipart_upload : a.days_after_initiation], transition = [for t in r.transition : [t.days, t.storage_class]] } })}."
  }

  # Notification: exactly one queue configuration, ObjectCreated and ObjectRemoved under uploads/ to the given queue; nothing else.
  assert {
    condition     = aws_s3_bucket_notification.this.bucket == "imgpipe-test-images-20250101000000000000000001" && length(aws_s3_bucket_notification.this.queue) == 1 && length(aws_s3_bucket_notification.this.topic) == 0 && length(aws_s3_bucket_notification.this.lambda_function) == 0
    error_message = "The bucket's notification must hold exactly one queue configuration (no topic, no function)."
  }

  assert {
    condition     = aws_s3_bucket_notification.this.queue[0].queue_arn == "arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-uploads"
    error_message = "The notification must go to notification_queue_arn."
  }

  assert {
    condition     = aws_s3_bucket_notification.this.queue[0].events == toset(["s3:ObjectCreated:*", "s3:ObjectRemoved:*"])
    error_message = "The notification events must be exactly s3:ObjectCreated:* and s3:ObjectRemoved:*."
  }

  assert {
    condition     = aws_s3_bucket_notification.this.queue[0].filter_prefix == "uploads/" && aws_s3_bucket_notification.this.queue[0].filter_suffix == null
    error_message = "The notification must filter on source_prefix (uploads/) only."
  }

  # Outputs: the mocked bucket's name, ARN and domain, and the notification's id.
  assert {
    condition     = jsonencode([output.bucket_name, output.bucket_arn, output.bucket_regional_domain_name, output.notification_id]) == jsonencode(["imgpipe-test-images-20250101000000000000000001", "arn:aws:s3:::imgpipe-test-images-20250101000000000000000001", "imgpipe-test-images-20250101000000000000000001.s3.eu-west-1.amazonaws.com", "imgpipe-test-images-20250101000000000000000001"])
    error_message = "bucket_name, bucket_arn, bucket_regional_domain_name and notification_id must be the bucket's name, ARN, regional domain name and the notification configuration's id, got ${jsonencode([output.bucket_name, output.bucket_arn, output.bucket_regional_domain_name, output.notification_id])}."
  }
}

# Inputs reach the resources: force_destroy, tags, source_prefix (notification filter and transition filter), the
# day counts (1 day, their lower boundary), a 1-character bucket_prefix; with uploads_transition_days set (30, its
# lower boundary) the transition rule is Enabled with its prefix, days and class.
run "inputs_and_transition_enabled" {
  command = plan

  variables {
    bucket_prefix                          = "a"
    force_destroy                          = true
    tags                                   = { Owner = "team-images" }
    source_prefix                          = "incoming/raw/"
    noncurrent_version_expiration_days     = 1
    abort_incomplete_multipart_upload_days = 1
    uploads_transition_days                = 30
    uploads_transition_storage_class       = "GLACIER_IR"
  }

  assert {
    condition     = jsonencode([aws_s3_bucket.this.bucket_prefix, aws_s3_bucket.this.force_destroy, aws_s3_bucket.this.tags]) == jsonencode(["a", true, { Owner = "team-images" }])
    error_message = "A 1-character bucket_prefix, force_destroy and tags must reach the bucket, got [bucket_prefix, force_destroy, tags] = ${jsonencode([aws_s3_bucket.this.bucket_prefix, aws_s3_bucket.this.force_destroy, aws_s3_bucket.this.tags])}."
  }

  assert {
    condition     = aws_s3_bucket_notification.this.queue[0].filter_prefix == "incoming/raw/"
    error_message = "The notification's filter_prefix must be source_prefix."
  }

  assert {
    condition = jsonencode({ for id, r in { for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.id => { status = r.status, filter = [for f in r.filter : f.prefix == var.source_prefix ? f.prefix : "whole bucket"], noncurrent_days = [for n in r.noncurrent_version_expiration : n.noncurrent_days], delete_markers = [for e in r.expiration : e.expired_object_delete_marker], abort_days = [for a in r.abort_incomplete_multipart_upload : a.days_after_initiation], transition = [for t in r.transition : [t.days, t.storage_class]] } } : id => [r.noncurrent_days, r.abort_days, r.status, r.filter, r.transition] }) == jsonencode({
      "expire-noncurrent-versions"         = [[1], [], "Enabled", ["whole bucket"], []]
      "abort-incomplete-multipart-uploads" = [[], [1], "Enabled", ["whole bucket"], []]
      "transition-old-uploads"             = [[], [], "Enabled", ["incoming/raw/"], [[30, "GLACIER_IR"]]]
    })
    error_message = "The day counts must reach their rules, and transition-old-uploads must be Enabled on source_prefix, moving objects to uploads_transition_storage_class after uploads_transition_days; got [noncurrent days, abort days, status, filter, transition] by rule: ${jsonencode({ for id, r in { for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.id => { status = r.status, filter = [for f in r.filter : f.prefix == var.source_prefix ? f.prefix : "whole bucket"], noncurrent_days = [for n in r.noncurrent_version_expiration : n.noncurrent_days], delete_markers = [for e in r.expiration : e.expired_object_delete_marker], abort_days = [for a in r.abort_incomplete_multipart_upload : a.days_after_initiation], transition = [for t in r.transition : [t.days, t.storage_class]] } } : id => [r.noncurrent_days, r.abort_days, r.status, r.filter, r.transition] })}."
  }
}
