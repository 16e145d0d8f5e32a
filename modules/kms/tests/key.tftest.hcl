# modules/kms: the key, its rotation and deletion settings, the alias, the outputs and the key policy statements.
# The policy is asserted on the aws_iam_policy_document's arguments: under a mock provider its `json` is only the
# placeholder below.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_region" {
    defaults = {
      id   = "eu-west-1"
      name = "eu-west-1"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
      key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    }
  }

  mock_resource "aws_kms_alias" {
    defaults = {
      arn = "arn:aws:kms:eu-west-1:123456789012:alias/imgpipe-test"
    }
  }
}

variables {
  name = "imgpipe-test"
}

# Defaults: rotation on every 365 days, 30-day deletion window, enabled key, alias/<name>, and a policy of only the
# account statement (root of this account, the explicit action list, no kms:*) while every service list is empty.
run "defaults_account_statement_only" {
  command = plan

  assert {
    condition     = aws_kms_key.this.enable_key_rotation == true
    error_message = "Automatic key rotation must be enabled."
  }

  assert {
    condition     = aws_kms_key.this.rotation_period_in_days == 365
    error_message = "rotation_period_in_days must default to 365, got ${aws_kms_key.this.rotation_period_in_days}."
  }

  assert {
    condition     = aws_kms_key.this.deletion_window_in_days == 30
    error_message = "deletion_window_in_days must default to 30, got ${aws_kms_key.this.deletion_window_in_days}."
  }

  assert {
    condition     = aws_kms_key.this.is_enabled == true
    error_message = "The key must be enabled."
  }

  assert {
    condition     = aws_kms_key.this.description == "imgpipe: encrypts the image bucket, queues, metadata table, alarm topic and logs"
    error_message = "Unexpected default description: ${aws_kms_key.this.description}."
  }

  assert {
    condition     = aws_kms_key.this.policy == data.aws_iam_policy_document.this.json
    error_message = "The key policy must be the module's policy document."
  }

  assert {
    condition     = aws_kms_alias.this.name == "alias/imgpipe-test"
    error_message = "The alias must be alias/<name>, got ${aws_kms_alias.this.name}."
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.this.statement : s.sid] == ["AccountAdministrationThroughIam"]
    error_message = "With empty service lists the policy must hold only the account statement, got ${jsonencode([for s in data.aws_iam_policy_document.this.statement : s.sid])}."
  }

  assert {
    condition     = data.aws_iam_policy_document.this.statement[0].effect == "Allow"
    error_message = "The account statement must Allow."
  }

  assert {
    condition     = jsonencode([for p in data.aws_iam_policy_document.this.statement[0].principals : { type = p.type, identifiers = sort(p.identifiers) }]) == jsonencode([{ type = "AWS", identifiers = ["arn:aws:iam::123456789012:root"] }])
    error_message = "The account statement's only principal must be arn:aws:iam::123456789012:root, got ${jsonencode(data.aws_iam_policy_document.this.statement[0].principals)}."
  }

  assert {
    condition = sort(data.aws_iam_policy_document.this.statement[0].actions) == sort([
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
    ])
    error_message = "The account statement's actions changed: ${jsonencode(data.aws_iam_policy_document.this.statement[0].actions)}."
  }

  assert {
    condition     = !anytrue([for a in data.aws_iam_policy_document.this.statement[0].actions : strcontains(a, "*")])
    error_message = "The account statement must list explicit actions, no wildcard (kms:*)."
  }

  assert {
    condition     = jsonencode(data.aws_iam_policy_document.this.statement[0].resources) == jsonencode(["*"])
    error_message = "A key policy statement's resource is \"*\" (this key)."
  }

  assert {
    condition     = length(data.aws_iam_policy_document.this.statement[0].condition) == 0 && length(data.aws_iam_policy_document.this.statement[0].not_principals) == 0 && data.aws_iam_policy_document.this.statement[0].not_actions == null
    error_message = "The account statement has no conditions, not_principals or not_actions."
  }
}

# Inputs reach the key (rotation period, deletion window, description, tags; rotation stays on), including the lower
# boundaries 90 and 7 days; outputs after a mocked apply; with S3 buckets and log groups (no alarm topics): the S3 and logs statements, exactly, and no alarms
# statement.
run "inputs_outputs_s3_and_logs_statements" {
  command = apply

  variables {
    name                    = "imgpipe/prod_key-1"
    description             = "custom description"
    rotation_period_in_days = 90
    deletion_window_in_days = 7
    tags                    = { Owner = "team-images" }
    s3_source_bucket_arns   = ["arn:aws:s3:::imgpipe-images-a", "arn:aws:s3:::imgpipe-images-b"]
    log_group_arns          = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-test-image-processor"]
  }

  assert {
    condition     = aws_kms_key.this.enable_key_rotation == true && aws_kms_key.this.rotation_period_in_days == 90
    error_message = "rotation_period_in_days must be passed to the key (with rotation enabled)."
  }

  assert {
    condition     = aws_kms_key.this.deletion_window_in_days == 7
    error_message = "deletion_window_in_days must be passed to the key."
  }

  assert {
    condition     = aws_kms_key.this.description == "custom description"
    error_message = "description must be passed to the key."
  }

  assert {
    condition     = aws_kms_key.this.tags == tomap({ Owner = "team-images" })
    error_message = "tags must be passed to the key."
  }

  assert {
    condition     = aws_kms_alias.this.name == "alias/imgpipe/prod_key-1"
    error_message = "The alias must be alias/<name>, got ${aws_kms_alias.this.name}."
  }

  assert {
    condition     = aws_kms_alias.this.target_key_id == "1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "The alias must target the key, got ${aws_kms_alias.this.target_key_id}."
  }

  assert {
    condition     = output.key_arn == "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "key_arn must be the key's ARN, got ${output.key_arn}."
  }

  assert {
    condition     = output.key_id == "1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "key_id must be the key's id, got ${output.key_id}."
  }

  assert {
    condition     = output.alias_name == "alias/imgpipe/prod_key-1"
    error_message = "alias_name must be alias/<name>, got ${output.alias_name}."
  }

  assert {
    condition     = output.alias_arn == "arn:aws:kms:eu-west-1:123456789012:alias/imgpipe-test"
    error_message = "alias_arn must be the alias's ARN, got ${output.alias_arn}."
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.this.statement : s.sid] == ["AccountAdministrationThroughIam", "S3NotificationsToEncryptedQueue", "CloudWatchLogsForEncryptedLogGroups"]
    error_message = "Expected the account, S3 and logs statements only, got ${jsonencode([for s in data.aws_iam_policy_document.this.statement : s.sid])}."
  }

  # S3: s3.amazonaws.com may Decrypt + GenerateDataKey, from the given buckets (ArnEquals) in this account.
  assert {
    condition     = one([for s in data.aws_iam_policy_document.this.statement : s.effect if s.sid == "S3NotificationsToEncryptedQueue"]) == "Allow"
    error_message = "The S3 statement must Allow."
  }

  assert {
    condition     = jsonencode(one([for s in data.aws_iam_policy_document.this.statement : [for p in s.principals : { type = p.type, identifiers = sort(p.identifiers) }] if s.sid == "S3NotificationsToEncryptedQueue"])) == jsonencode([{ type = "Service", identifiers = ["s3.amazonaws.com"] }])
    error_message = "The S3 statement's only principal must be the service s3.amazonaws.com."
  }

  assert {
    condition     = jsonencode(one([for s in data.aws_iam_policy_document.this.statement : sort(s.actions) if s.sid == "S3NotificationsToEncryptedQueue"])) == jsonencode(["kms:Decrypt", "kms:GenerateDataKey"])
    error_message = "The S3 statement's actions must be exactly kms:Decrypt and kms:GenerateDataKey."
  }

  assert {
    condition     = jsonencode(one([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "S3NotificationsToEncryptedQueue"])) == jsonencode(["*"])
    error_message = "The S3 statement's resource must be \"*\" (this key)."
  }

  assert {
    condition = jsonencode(one([for s in data.aws_iam_policy_document.this.statement : { for c in s.condition : c.variable => { test = c.test, values = sort(c.values) } } if s.sid == "S3NotificationsToEncryptedQueue"])) == jsonencode({
      "aws:SourceAccount" = { test = "StringEquals", values = ["123456789012"] }
      "aws:SourceArn"     = { test = "ArnEquals", values = ["arn:aws:s3:::imgpipe-images-a", "arn:aws:s3:::imgpipe-images-b"] }
    })
    error_message = "The S3 statement's conditions must be exactly StringEquals aws:SourceAccount = the account and ArnEquals aws:SourceArn = the bucket ARNs, got ${jsonencode(one([for s in data.aws_iam_policy_document.this.statement : s.condition if s.sid == "S3NotificationsToEncryptedQueue"]))}."
  }

  # Logs: logs.<region>.amazonaws.com, only with the encryption context of the given log groups.
  assert {
    condition     = one([for s in data.aws_iam_policy_document.this.statement : s.effect if s.sid == "CloudWatchLogsForEncryptedLogGroups"]) == "Allow"
    error_message = "The logs statement must Allow."
  }

  assert {
    condition     = jsonencode(one([for s in data.aws_iam_policy_document.this.statement : [for p in s.principals : { type = p.type, identifiers = sort(p.identifiers) }] if s.sid == "CloudWatchLogsForEncryptedLogGroups"])) == jsonencode([{ type = "Service", identifiers = ["logs.eu-west-1.amazonaws.com"] }])
    error_message = "The logs statement's only principal must be the service logs.eu-west-1.amazonaws.com."
  }

  assert {
    condition = jsonencode(one([for s in data.aws_iam_policy_document.this.statement : sort(s.actions) if s.sid == "CloudWatchLogsForEncryptedLogGroups"])) == jsonencode(sort([
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
    ]))
    error_message = "The logs statement's actions changed: ${jsonencode(one([for s in data.aws_iam_policy_document.this.statement : s.actions if s.sid == "CloudWatchLogsForEncryptedLogGroups"]))}."
  }

  assert {
    condition     = jsonencode(one([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "CloudWatchLogsForEncryptedLogGroups"])) == jsonencode(["*"])
    error_message = "The logs statement's resource must be \"*\" (this key)."
  }

  assert {
    condition = jsonencode(one([for s in data.aws_iam_policy_document.this.statement : { for c in s.condition : c.variable => { test = c.test, values = sort(c.values) } } if s.sid == "CloudWatchLogsForEncryptedLogGroups"])) == jsonencode({
      "kms:EncryptionContext:aws:logs:arn" = { test = "ArnEquals", values = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-test-image-processor"] }
    })
    error_message = "The logs statement's only condition must be ArnEquals kms:EncryptionContext:aws:logs:arn = the log group ARNs, got ${jsonencode(one([for s in data.aws_iam_policy_document.this.statement : s.condition if s.sid == "CloudWatchLogsForEncryptedLogGroups"]))}."
  }
}

# With alarm topics and log groups (no buckets), in another partition and Region: the alarms statement exactly, no S3
# statement; partition and Region come from the data sources, not hardcoded. Also the 1-character name boundary.
run "alarms_and_logs_statements_other_partition" {
  command = plan

  override_data {
    target = data.aws_partition.current
    values = {
      partition = "aws-us-gov"
    }
  }

  override_data {
    target = data.aws_region.current
    values = {
      id   = "us-gov-west-1"
      name = "us-gov-west-1"
    }
  }

  variables {
    name             = "k"
    alarm_topic_arns = ["arn:aws-us-gov:sns:us-gov-west-1:123456789012:imgpipe-test-alarms", "arn:aws-us-gov:sns:us-gov-west-1:123456789012:imgpipe-test-other"]
    log_group_arns   = ["arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:/aws/lambda/imgpipe-test"]
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.this.statement : s.sid] == ["AccountAdministrationThroughIam", "CloudWatchAlarmsToEncryptedTopic", "CloudWatchLogsForEncryptedLogGroups"]
    error_message = "Expected the account, alarms and logs statements only, got ${jsonencode([for s in data.aws_iam_policy_document.this.statement : s.sid])}."
  }

  assert {
    condition     = jsonencode(one([for s in data.aws_iam_policy_document.this.statement : [for p in s.principals : p.identifiers] if s.sid == "AccountAdministrationThroughIam"])) == jsonencode([["arn:aws-us-gov:iam::123456789012:root"]])
    error_message = "The account principal must be the root of this account in the current partition."
  }

  # Alarms: cloudwatch.amazonaws.com may Decrypt + GenerateDataKey for this account's alarms here, topic context only.
  assert {
    condition     = one([for s in data.aws_iam_policy_document.this.statement : s.effect if s.sid == "CloudWatchAlarmsToEncryptedTopic"]) == "Allow"
    error_message = "The alarms statement must Allow."
  }

  assert {
    condition     = jsonencode(one([for s in data.aws_iam_policy_document.this.statement : [for p in s.principals : { type = p.type, identifiers = sort(p.identifiers) }] if s.sid == "CloudWatchAlarmsToEncryptedTopic"])) == jsonencode([{ type = "Service", identifiers = ["cloudwatch.amazonaws.com"] }])
    error_message = "The alarms statement's only principal must be the service cloudwatch.amazonaws.com."
  }

  assert {
    condition     = jsonencode(one([for s in data.aws_iam_policy_document.this.statement : sort(s.actions) if s.sid == "CloudWatchAlarmsToEncryptedTopic"])) == jsonencode(["kms:Decrypt", "kms:GenerateDataKey"])
    error_message = "The alarms statement's actions must be exactly kms:Decrypt and kms:GenerateDataKey."
  }

  assert {
    condition     = jsonencode(one([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "CloudWatchAlarmsToEncryptedTopic"])) == jsonencode(["*"])
    error_message = "The alarms statement's resource must be \"*\" (this key)."
  }

  assert {
    condition = jsonencode(one([for s in data.aws_iam_policy_document.this.statement : { for c in s.condition : c.variable => { test = c.test, values = sort(c.values) } } if s.sid == "CloudWatchAlarmsToEncryptedTopic"])) == jsonencode({
      "aws:SourceArn"                          = { test = "ArnLike", values = ["arn:aws-us-gov:cloudwatch:us-gov-west-1:123456789012:alarm:*"] }
      "kms:EncryptionContext:aws:sns:topicArn" = { test = "StringEquals", values = ["arn:aws-us-gov:sns:us-gov-west-1:123456789012:imgpipe-test-alarms", "arn:aws-us-gov:sns:us-gov-west-1:123456789012:imgpipe-test-other"] }
    })
    error_message = "The alarms statement's conditions must be ArnLike aws:SourceArn = this account's alarms in this Region and StringEquals the topics' encryption context, got ${jsonencode(one([for s in data.aws_iam_policy_document.this.statement : s.condition if s.sid == "CloudWatchAlarmsToEncryptedTopic"]))}."
  }

  assert {
    condition     = jsonencode(one([for s in data.aws_iam_policy_document.this.statement : [for p in s.principals : p.identifiers] if s.sid == "CloudWatchLogsForEncryptedLogGroups"])) == jsonencode([["logs.us-gov-west-1.amazonaws.com"]])
    error_message = "The logs principal must be logs.<current Region>.amazonaws.com."
  }

  assert {
    condition     = aws_kms_alias.this.name == "alias/k"
    error_message = "A 1-character name must be accepted: alias/k, got ${aws_kms_alias.this.name}."
  }
}
