data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id # `name` is deprecated in provider 6, `region` absent in 5

  # Explicit actions instead of `kms:*`: administration and use of one symmetric encryption key, delegated to
  # IAM policies in this account. Nothing asymmetric, HMAC, imported-material or multi-Region.
  account_actions = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
  ]
}

# In a key policy `Resource = "*"` means "this key": a key policy cannot name any other resource.
data "aws_iam_policy_document" "this" {
  #checkov:skip=CKV_AWS_111:Key policy: Resource "*" is the key itself; write access is limited to this account and the scoped service principals.
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" is the only value a key policy accepts (it means this key).
  statement {
    sid       = "AccountAdministrationThroughIam"
    effect    = "Allow"
    actions   = local.account_actions
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # S3 event notifications into the SSE-KMS queue: S3 encrypts the message with this key.
  dynamic "statement" {
    for_each = length(var.s3_source_bucket_arns) > 0 ? [1] : []

    content {
      sid       = "S3NotificationsToEncryptedQueue"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = ["s3.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = var.s3_source_bucket_arns
      }
    }
  }

  # CloudWatch alarms publishing to the SSE-KMS alarm topic (without this, alarm actions fail silently).
  # Scoped to this account's alarms in this Region and to the named topics' encryption context. The publishing
  # service is the only principal an encrypted topic needs: SNS uses the key on the publisher's behalf, so no
  # statement for sns.amazonaws.com (that principal is only needed on the key of an encrypted SQS *subscriber*).
  dynamic "statement" {
    for_each = length(var.alarm_topic_arns) > 0 ? [1] : []

    content {
      sid       = "CloudWatchAlarmsToEncryptedTopic"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = ["cloudwatch.amazonaws.com"]
      }

      condition {
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:*"]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:aws:sns:topicArn"
        values   = var.alarm_topic_arns
      }
    }
  }

  # CloudWatch Logs, for the encrypted log groups: only with the encryption context of the named groups.
  dynamic "statement" {
    for_each = length(var.log_group_arns) > 0 ? [1] : []

    content {
      sid    = "CloudWatchLogsForEncryptedLogGroups"
      effect = "Allow"
      actions = [
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
      ]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = ["logs.${local.region}.amazonaws.com"]
      }

      condition {
        test     = "ArnEquals"
        variable = "kms:EncryptionContext:aws:logs:arn"
        values   = var.log_group_arns
      }
    }
  }
}

resource "aws_kms_key" "this" {
  description             = var.description
  enable_key_rotation     = true
  rotation_period_in_days = var.rotation_period_in_days
  deletion_window_in_days = var.deletion_window_in_days
  is_enabled              = true
  policy                  = data.aws_iam_policy_document.this.json

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}
