# modules/kms: the key, its rotation and deletion settings, the alias, the outputs and the key policy statements.
# The policy is asserted on the aws_iam_policy_document's arguments: under a mock provider its `json` is only the
# placeholder of tests/terraform/mocks/aws.

mock_provider "aws" {
  source = "../../tests/terraform/mocks/aws"
}

# Defaults: rotation on every 365 days, 30-day deletion window, enabled key, alias/<name>, and a policy of only the
# account statement (root of this account, the explicit action list, no kms:*) while every service list is empty.
run "defaults_account_statement_only" {
  command = plan

  assert {
    condition = jsonencode([aws_kms_key.this.enable_key_rotation, aws_kms_key.this.rotation_period_in_days, aws_kms_key.this.deletion_window_in_days, aws_kms_key.this.is_enabled, aws_kms_key.this.description]) == jsonencode([
      true, 365, 30, true, "imgpipe: encrypts the image bucket, queues, metadata table, alarm topic and logs"
    ])
    error_message = "The key must default to rotation on, every 365 days, a 30-day deletion window, enabled, the default description; got [rotation, period, window, enabled, description] = ${jsonencode([aws_kms_key.this.enable_key_rotation, aws_kms_key.this.rotation_period_in_days, aws_kms_key.this.deletion_window_in_days, aws_kms_key.this.is_enabled, aws_kms_key.this.description])}."
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

  # What the account statement must do, not a copy of its list: keep the key administrable (no lockout), let
  # IAM policies grant the stack's use of it, and grant nothing a symmetric encryption key never needs.
  assert {
    condition = length(setsubtract([
      "kms:CancelKeyDeletion", "kms:DescribeKey", "kms:DisableKey", "kms:EnableKey", "kms:GetKeyPolicy",
      "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource",
      "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey",
    ], data.aws_iam_policy_document.this.statement[0].actions)) == 0
    error_message = "The account statement must keep the key administrable and usable through IAM, got ${jsonencode(data.aws_iam_policy_document.this.statement[0].actions)}."
  }

  assert {
    condition = length(setintersection([
      "kms:DeleteImportedKeyMaterial", "kms:DeriveSharedSecret", "kms:GenerateDataKeyPair",
      "kms:GenerateDataKeyPairWithoutPlaintext", "kms:GenerateMac", "kms:GetParametersForImport", "kms:GetPublicKey",
      "kms:ImportKeyMaterial", "kms:ReplicateKey", "kms:Sign", "kms:UpdatePrimaryRegion", "kms:Verify", "kms:VerifyMac",
    ], data.aws_iam_policy_document.this.statement[0].actions)) == 0
    error_message = "The account statement must grant nothing asymmetric, HMAC, imported-material or multi-Region, got ${jsonencode(data.aws_iam_policy_document.this.statement[0].actions)}."
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
# boundaries 90 and 7 days; outputs after a mocked apply; with buckets, alarm topics and log groups: the three
# service statements, exactly.
run "inputs_outputs_service_statements" {
  command = apply

  variables {
    name                    = "imgpipe/prod_key-1"
    description             = "custom description"
    rotation_period_in_days = 90
    deletion_window_in_days = 7
    tags                    = { Owner = "team-images" }
    s3_source_bucket_arns   = ["arn:aws:s3:::imgpipe-images-a", "arn:aws:s3:::imgpipe-images-b"]
    alarm_topic_arns        = ["arn:aws:sns:eu-west-1:123456789012:imgpipe-test-alarms", "arn:aws:sns:eu-west-1:123456789012:imgpipe-test-other"]
    log_group_arns          = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-test-image-processor"]
  }

  assert {
    condition     = jsonencode([aws_kms_key.this.enable_key_rotation, aws_kms_key.this.rotation_period_in_days, aws_kms_key.this.deletion_window_in_days, aws_kms_key.this.description, aws_kms_key.this.tags]) == jsonencode([true, 90, 7, "custom description", { Owner = "team-images" }])
    error_message = "rotation_period_in_days, deletion_window_in_days, description and tags must reach the key (rotation stays on); got [rotation, period, window, description, tags] = ${jsonencode([aws_kms_key.this.enable_key_rotation, aws_kms_key.this.rotation_period_in_days, aws_kms_key.this.deletion_window_in_days, aws_kms_key.this.description, aws_kms_key.this.tags])}."
  }

  assert {
    condition     = aws_kms_alias.this.name == "alias/imgpipe/prod_key-1" && aws_kms_alias.this.target_key_id == "1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "The alias must be alias/<name> and target the key, got ${aws_kms_alias.this.name} -> ${aws_kms_alias.this.target_key_id}."
  }

  # The mocked key and alias (tests/terraform/mocks/aws/kms.tfmock.hcl) are what the outputs name.
  assert {
    condition     = jsonencode([output.key_arn, output.key_id, output.alias_name, output.alias_arn]) == jsonencode(["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "1234abcd-12ab-34cd-56ef-1234567890ab", "alias/imgpipe/prod_key-1", "arn:aws:kms:eu-west-1:123456789012:alias/imgpipe-test"])
    error_message = "key_arn, key_id, alias_name and alias_arn must be the key's ARN and id and the alias's name and ARN, got ${jsonencode([output.key_arn, output.key_id, output.alias_name, output.alias_arn])}."
  }

  # The service statements, in order; each Allows its one service principal on "*" (this key).
  assert {
    condition = jsonencode([for s in data.aws_iam_policy_document.this.statement : s.sid]) == jsonencode(["AccountAdministrationThroughIam", "S3NotificationsToEncryptedQueue", "CloudWatchAlarmsToEncryptedTopic", "CloudWatchLogsForEncryptedLogGroups"]) && jsonencode({ for s in data.aws_iam_policy_document.this.statement : s.sid => [s.effect, s.resources, [for p in s.principals : "${p.type}:${join(",", sort(p.identifiers))}"]] if s.sid != "AccountAdministrationThroughIam" }) == jsonencode({
      S3NotificationsToEncryptedQueue     = ["Allow", ["*"], ["Service:s3.amazonaws.com"]]
      CloudWatchAlarmsToEncryptedTopic    = ["Allow", ["*"], ["Service:cloudwatch.amazonaws.com"]]
      CloudWatchLogsForEncryptedLogGroups = ["Allow", ["*"], ["Service:logs.eu-west-1.amazonaws.com"]]
    })
    error_message = "Expected the account statement, then the S3, alarms and logs statements each allowing its service on \"*\", got [effect, resources, principals] by statement: ${jsonencode({ for s in data.aws_iam_policy_document.this.statement : s.sid => [s.effect, s.resources, [for p in s.principals : "${p.type}:${join(",", sort(p.identifiers))}"]] if s.sid != "AccountAdministrationThroughIam" })}."
  }

  # S3 and alarms only encrypt and decrypt messages; Logs also re-encrypts and describes the key.
  assert {
    condition = jsonencode({ for s in data.aws_iam_policy_document.this.statement : s.sid => sort(s.actions) if s.sid != "AccountAdministrationThroughIam" }) == jsonencode({
      S3NotificationsToEncryptedQueue     = ["kms:Decrypt", "kms:GenerateDataKey"]
      CloudWatchAlarmsToEncryptedTopic    = ["kms:Decrypt", "kms:GenerateDataKey"]
      CloudWatchLogsForEncryptedLogGroups = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"]
    })
    error_message = "The service statements' actions changed: ${jsonencode({ for s in data.aws_iam_policy_document.this.statement : s.sid => sort(s.actions) if s.sid != "AccountAdministrationThroughIam" })}."
  }

  # S3: from the given buckets (ArnEquals) in this account. Alarms: this account's alarms in this Region, with the
  # topics' encryption context only. Logs: with the encryption context of the given log groups only.
  assert {
    condition = jsonencode({ for s in data.aws_iam_policy_document.this.statement : s.sid => { for c in s.condition : c.variable => { test = c.test, values = sort(c.values) } } if s.sid != "AccountAdministrationThroughIam" }) == jsonencode({
      S3NotificationsToEncryptedQueue = {
        "aws:SourceAccount" = { test = "StringEquals", values = ["123456789012"] }
        "aws:SourceArn"     = { test = "ArnEquals", values = ["arn:aws:s3:::imgpipe-images-a", "arn:aws:s3:::imgpipe-images-b"] }
      }
      CloudWatchAlarmsToEncryptedTopic = {
        "aws:SourceArn"                          = { test = "ArnLike", values = ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*"] }
        "kms:EncryptionContext:aws:sns:topicArn" = { test = "StringEquals", values = ["arn:aws:sns:eu-west-1:123456789012:imgpipe-test-alarms", "arn:aws:sns:eu-west-1:123456789012:imgpipe-test-other"] }
      }
      CloudWatchLogsForEncryptedLogGroups = {
        "kms:EncryptionContext:aws:logs:arn" = { test = "ArnEquals", values = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-test-image-processor"] }
      }
    })
    error_message = "The service statements' conditions changed: ${jsonencode({ for s in data.aws_iam_policy_document.this.statement : s.sid => { for c in s.condition : c.variable => { test = c.test, values = sort(c.values) } } if s.sid != "AccountAdministrationThroughIam" })}."
  }
}

# With alarm topics and log groups (no buckets), in another partition and Region: no S3 statement, and the
# partition and Region in the statements come from the data sources, not hardcoded. Also the 1-character name.
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
    alarm_topic_arns = ["arn:aws-us-gov:sns:us-gov-west-1:123456789012:imgpipe-test-alarms"]
    log_group_arns   = ["arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:/aws/lambda/imgpipe-test"]
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.this.statement : s.sid] == ["AccountAdministrationThroughIam", "CloudWatchAlarmsToEncryptedTopic", "CloudWatchLogsForEncryptedLogGroups"]
    error_message = "Expected the account, alarms and logs statements only, got ${jsonencode([for s in data.aws_iam_policy_document.this.statement : s.sid])}."
  }

  assert {
    condition = jsonencode({ for s in data.aws_iam_policy_document.this.statement : s.sid => [[for p in s.principals : p.identifiers], [for c in s.condition : c.values if c.variable == "aws:SourceArn"]] }) == jsonencode({
      AccountAdministrationThroughIam     = [[["arn:aws-us-gov:iam::123456789012:root"]], []]
      CloudWatchAlarmsToEncryptedTopic    = [[["cloudwatch.amazonaws.com"]], [["arn:aws-us-gov:cloudwatch:us-gov-west-1:123456789012:alarm:*"]]]
      CloudWatchLogsForEncryptedLogGroups = [[["logs.us-gov-west-1.amazonaws.com"]], []]
    })
    error_message = "The account root, the alarms' aws:SourceArn and the logs principal must be in the current partition and Region, got [principals, aws:SourceArn] by statement: ${jsonencode({ for s in data.aws_iam_policy_document.this.statement : s.sid => [[for p in s.principals : p.identifiers], [for c in s.condition : c.values if c.variable == "aws:SourceArn"]] })}."
  }

  assert {
    condition     = aws_kms_alias.this.name == "alias/k"
    error_message = "A 1-character name must be accepted: alias/k, got ${aws_kms_alias.this.name}."
  }
}
