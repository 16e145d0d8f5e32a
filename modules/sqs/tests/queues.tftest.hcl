# modules/sqs: both queues, their encryption, the redrive and redrive-allow policies, the queue policy and the
# outputs. The queue policy is asserted on the aws_iam_policy_document's arguments: under a mock provider its `json`
# is only the placeholder of tests/terraform/mocks/aws.

mock_provider "aws" {
  source = "../../tests/terraform/mocks/aws"
}

# Distinct computed values for the two queues (a mock_resource default would give both the same ARN).
override_resource {
  target = aws_sqs_queue.this
  values = {
    arn = "arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-uploads"
    id  = "https://sqs.eu-west-1.amazonaws.com/123456789012/imgpipe-test-uploads"
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/imgpipe-test-uploads"
  }
}

override_resource {
  target = aws_sqs_queue.dlq
  values = {
    arn = "arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-uploads-dlq"
    id  = "https://sqs.eu-west-1.amazonaws.com/123456789012/imgpipe-test-uploads-dlq"
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/imgpipe-test-uploads-dlq"
  }
}

# Defaults (mocked apply): every promise of the module with its default inputs.
run "defaults" {
  command = apply

  # Main queue <name>, 4-day retention; DLQ <name>-dlq, 14-day retention; both SSE-KMS with the given key, the data
  # key reused 300 s, standard (not FIFO) queues.
  assert {
    condition = jsonencode({ for k, q in { main = aws_sqs_queue.this, dlq = aws_sqs_queue.dlq } : k => [q.name, q.message_retention_seconds, q.kms_master_key_id, q.kms_data_key_reuse_period_seconds, q.fifo_queue] }) == jsonencode({
      main = ["imgpipe-test-uploads", 345600, "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", 300, null]
      dlq  = ["imgpipe-test-uploads-dlq", 1209600, "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", 300, null]
    })
    error_message = "Unexpected queues, got [name, retention, key, data key reuse, fifo] by queue: ${jsonencode({ for k, q in { main = aws_sqs_queue.this, dlq = aws_sqs_queue.dlq } : k => [q.name, q.message_retention_seconds, q.kms_master_key_id, q.kms_data_key_reuse_period_seconds, q.fifo_queue] })}."
  }

  # Exactly 6 x 60 s passes the precondition.
  assert {
    condition     = aws_sqs_queue.this.visibility_timeout_seconds == 360
    error_message = "visibility_timeout_seconds must be passed to the main queue."
  }

  # Redrive (a separate resource on the main queue): to the DLQ's ARN after 5 receives, nothing else.
  assert {
    condition     = aws_sqs_queue_redrive_policy.this.queue_url == "https://sqs.eu-west-1.amazonaws.com/123456789012/imgpipe-test-uploads"
    error_message = "The redrive policy must be set on the main queue."
  }

  assert {
    condition     = jsonencode(jsondecode(aws_sqs_queue_redrive_policy.this.redrive_policy)) == jsonencode({ deadLetterTargetArn = "arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-uploads-dlq", maxReceiveCount = 5 })
    error_message = "The redrive policy must be exactly deadLetterTargetArn = the DLQ's ARN and maxReceiveCount = 5, got ${aws_sqs_queue_redrive_policy.this.redrive_policy}."
  }

  assert {
    condition     = aws_sqs_queue.this.redrive_policy != aws_sqs_queue_redrive_policy.this.redrive_policy
    error_message = "The redrive policy belongs to the separate aws_sqs_queue_redrive_policy, not the queue."
  }

  # Redrive allow (on the DLQ): byQueue, only the main queue.
  assert {
    condition     = aws_sqs_queue_redrive_allow_policy.dlq.queue_url == "https://sqs.eu-west-1.amazonaws.com/123456789012/imgpipe-test-uploads-dlq"
    error_message = "The redrive allow policy must be set on the DLQ."
  }

  assert {
    condition     = jsonencode(jsondecode(aws_sqs_queue_redrive_allow_policy.dlq.redrive_allow_policy)) == jsonencode({ redrivePermission = "byQueue", sourceQueueArns = ["arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-uploads"] })
    error_message = "The redrive allow policy must be exactly byQueue with only the main queue's ARN, got ${aws_sqs_queue_redrive_allow_policy.dlq.redrive_allow_policy}."
  }

  # Queue policy on the main queue: only s3.amazonaws.com may sqs:SendMessage to it, from the buckets, in this account.
  assert {
    condition     = aws_sqs_queue_policy.this.queue_url == "https://sqs.eu-west-1.amazonaws.com/123456789012/imgpipe-test-uploads" && aws_sqs_queue_policy.this.policy == data.aws_iam_policy_document.this.json
    error_message = "The queue policy must be the module's policy document, on the main queue."
  }

  assert {
    condition = jsonencode([for s in data.aws_iam_policy_document.this.statement : { sid = s.sid, effect = s.effect, actions = s.actions, resources = s.resources, principals = [for p in s.principals : { type = p.type, identifiers = sort(p.identifiers) }], conditions = { for c in s.condition : c.variable => { test = c.test, values = sort(c.values) } }, not_principals = s.not_principals, not_actions = s.not_actions, not_resources = s.not_resources }]) == jsonencode([{
      sid        = "S3EventNotifications"
      effect     = "Allow"
      actions    = ["sqs:SendMessage"]
      resources  = ["arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-uploads"]
      principals = [{ type = "Service", identifiers = ["s3.amazonaws.com"] }]
      conditions = {
        "aws:SourceAccount" = { test = "StringEquals", values = ["123456789012"] }
        "aws:SourceArn"     = { test = "ArnEquals", values = ["arn:aws:s3:::imgpipe-test-images-a"] }
      }
      not_principals = []
      not_actions    = null
      not_resources  = null
    }])
    error_message = "The queue policy must hold exactly the S3EventNotifications statement, got ${jsonencode([for s in data.aws_iam_policy_document.this.statement : { sid = s.sid, effect = s.effect, actions = s.actions, resources = s.resources, principals = [for p in s.principals : { type = p.type, identifiers = sort(p.identifiers) }], conditions = { for c in s.condition : c.variable => { test = c.test, values = sort(c.values) } }, not_principals = s.not_principals, not_actions = s.not_actions, not_resources = s.not_resources }])}."
  }

  # Outputs.
  assert {
    condition     = output.queue_arn == "arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-uploads" && output.queue_url == "https://sqs.eu-west-1.amazonaws.com/123456789012/imgpipe-test-uploads" && output.queue_name == "imgpipe-test-uploads"
    error_message = "queue_arn, queue_url and queue_name must describe the main queue."
  }

  assert {
    condition     = output.dlq_arn == "arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-uploads-dlq" && output.dlq_url == "https://sqs.eu-west-1.amazonaws.com/123456789012/imgpipe-test-uploads-dlq" && output.dlq_name == "imgpipe-test-uploads-dlq"
    error_message = "dlq_arn, dlq_url and dlq_name must describe the DLQ."
  }

  assert {
    condition     = output.visibility_timeout_seconds == 360
    error_message = "visibility_timeout_seconds must be the main queue's visibility timeout."
  }
}

# Inputs reach the resources: reuse period (both queues), retentions, maxReceiveCount, tags, several buckets, and the
# 43200 s maximum visibility timeout.
run "inputs" {
  command = apply

  variables {
    kms_data_key_reuse_period_seconds = 3600
    max_receive_count                 = 3
    message_retention_seconds         = 86400
    dlq_message_retention_seconds     = 604800
    function_timeout_seconds          = 30
    visibility_timeout_seconds        = 43200
    source_bucket_arns                = ["arn:aws:s3:::imgpipe-test-images-a", "arn:aws:s3:::imgpipe-test-images-b"]
    tags                              = { Owner = "team-images" }
  }

  assert {
    condition     = aws_sqs_queue.this.kms_data_key_reuse_period_seconds == 3600 && aws_sqs_queue.dlq.kms_data_key_reuse_period_seconds == 3600
    error_message = "kms_data_key_reuse_period_seconds must reach both queues."
  }

  assert {
    condition     = aws_sqs_queue.this.message_retention_seconds == 86400 && aws_sqs_queue.dlq.message_retention_seconds == 604800
    error_message = "message_retention_seconds must reach the main queue and dlq_message_retention_seconds the DLQ."
  }

  assert {
    condition     = aws_sqs_queue.this.visibility_timeout_seconds == 43200 && output.visibility_timeout_seconds == 43200
    error_message = "visibility_timeout_seconds must reach the main queue and the output."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_redrive_policy.this.redrive_policy).maxReceiveCount == 3
    error_message = "max_receive_count must be the redrive policy's maxReceiveCount."
  }

  assert {
    condition     = aws_sqs_queue.this.tags == tomap({ Owner = "team-images" }) && aws_sqs_queue.dlq.tags == tomap({ Owner = "team-images" })
    error_message = "tags must reach both queues."
  }

  assert {
    condition     = jsonencode(sort(one([for c in data.aws_iam_policy_document.this.statement[0].condition : c.values if c.variable == "aws:SourceArn"]))) == jsonencode(["arn:aws:s3:::imgpipe-test-images-a", "arn:aws:s3:::imgpipe-test-images-b"])
    error_message = "aws:SourceArn must hold every source bucket ARN."
  }
}
