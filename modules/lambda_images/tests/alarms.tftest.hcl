# The alarms of modules/lambda_images (alarms.tf): one per way the pipeline goes wrong, each notifying the
# alarm topic on ALARM and on OK, missing data not breaching; and the alarm_names/alarm_arns outputs.
#
# A run's `expected_alarms` holds, per alarm, the attributes of aws_cloudwatch_metric_alarm it must have (by
# the resource's own attribute names); one assert checks them all, as JSON (a map attribute equals its object
# literal), and names each `<alarm>.<attribute>` that differs.

# Every computed string has a fixed mocked value, produced while planning too (override_during = plan): most
# runs are fast plans, and a run that applies sees the same values as its plan.
mock_provider "aws" {
  override_during = plan
  source          = "../../tests/terraform/mocks/aws"
}

# The five alarms with the defaults (60 s timeout, ratio 0.8, queue age 900 s): each one's name, description,
# metric, dimensions, statistic, period, evaluation periods, datapoints, threshold; the shared settings; the
# outputs alarm_names and alarm_arns, maps keyed by kind of each alarm's name and ARN.
run "alarms_defaults" {
  command = plan

  variables {
    expected_alarms = {
      errors       = { alarm_name = "imgpipe-test-image-processor-errors", namespace = "AWS/Lambda", metric_name = "Errors", dimensions = { FunctionName = "imgpipe-test-image-processor" }, statistic = "Sum", extended_statistic = null, period = 300, evaluation_periods = 1, datapoints_to_alarm = 1, threshold = 0, alarm_description = "imgpipe-test-image-processor failed invocations (crash, timeout, out of memory): the whole batch is retried. Runbook: docs/operations.md#alarm-errors" }
      throttles    = { alarm_name = "imgpipe-test-image-processor-throttles", namespace = "AWS/Lambda", metric_name = "Throttles", dimensions = { FunctionName = "imgpipe-test-image-processor" }, statistic = "Sum", extended_statistic = null, period = 300, evaluation_periods = 1, datapoints_to_alarm = 1, threshold = 0, alarm_description = "imgpipe-test-image-processor invocations throttled: reserved or account concurrency is below what the event source mapping asks for. Runbook: docs/operations.md#alarm-throttles" }
      duration_p95 = { alarm_name = "imgpipe-test-image-processor-duration-p95", namespace = "AWS/Lambda", metric_name = "Duration", dimensions = { FunctionName = "imgpipe-test-image-processor" }, statistic = null, extended_statistic = "p95", period = 300, evaluation_periods = 3, datapoints_to_alarm = 2, threshold = 48000, alarm_description = "imgpipe-test-image-processor p95 duration above 80 % of its 60 s timeout: batches are about to time out. Runbook: docs/operations.md#alarm-duration_p95" }
      dlq_messages = { alarm_name = "imgpipe-test-uploads-dlq-messages-visible", namespace = "AWS/SQS", metric_name = "ApproximateNumberOfMessagesVisible", dimensions = { QueueName = "imgpipe-test-uploads-dlq" }, statistic = "Maximum", extended_statistic = null, period = 60, evaluation_periods = 1, datapoints_to_alarm = 1, threshold = 0, alarm_description = "Messages in the dead-letter queue imgpipe-test-uploads-dlq: uploads that failed every receive. Inspect with `imgpipe dlq peek`, redrive with `imgpipe dlq redrive`. Runbook: docs/operations.md#alarm-dlq_messages" }
      queue_age    = { alarm_name = "imgpipe-test-uploads-oldest-message-age", namespace = "AWS/SQS", metric_name = "ApproximateAgeOfOldestMessage", dimensions = { QueueName = "imgpipe-test-uploads" }, statistic = "Maximum", extended_statistic = null, period = 60, evaluation_periods = 5, datapoints_to_alarm = 5, threshold = 900, alarm_description = "Oldest message in imgpipe-test-uploads older than 900 s: the function is not keeping up (or not consuming). Runbook: docs/operations.md#alarm-queue_age" }
    }
  }

  assert {
    condition     = sort(keys(aws_cloudwatch_metric_alarm.this)) == sort(keys(var.expected_alarms))
    error_message = "The alarms must be exactly errors, throttles, duration_p95, dlq_messages and queue_age."
  }
  assert {
    condition     = alltrue(flatten([for kind, want in var.expected_alarms : [for attribute, value in want : jsonencode(aws_cloudwatch_metric_alarm.this[kind][attribute]) == jsonencode(value)]]))
    error_message = "These alarm attributes differ from expected_alarms: ${join(", ", flatten([for kind, want in var.expected_alarms : [for attribute, value in want : "${kind}.${attribute}" if jsonencode(aws_cloudwatch_metric_alarm.this[kind][attribute]) != jsonencode(value)]]))}"
  }
  assert {
    condition     = [for kind, a in aws_cloudwatch_metric_alarm.this : kind if a.comparison_operator != "GreaterThanThreshold" || a.treat_missing_data != "notBreaching"] == []
    error_message = "Every alarm must compare GreaterThanThreshold and treat missing data as notBreaching."
  }
  assert {
    condition     = alltrue([for kind, a in aws_cloudwatch_metric_alarm.this : endswith(a.alarm_description, " Runbook: docs/operations.md#alarm-${kind}") && length(a.alarm_description) <= 1024])
    error_message = "Every alarm's description must end with its runbook (docs/operations.md#alarm-<key>) and fit CloudWatch's 1024 characters."
  }
  assert {
    condition     = [for kind, a in aws_cloudwatch_metric_alarm.this : kind if !(a.actions_enabled == true && a.alarm_actions == toset([var.alarm_topic_arn]) && a.ok_actions == toset([var.alarm_topic_arn]))] == []
    error_message = "Alarms not notifying exactly alarm_topic_arn on ALARM and on OK, actions enabled: ${join(", ", [for kind, a in aws_cloudwatch_metric_alarm.this : kind if !(a.actions_enabled == true && a.alarm_actions == toset([var.alarm_topic_arn]) && a.ok_actions == toset([var.alarm_topic_arn]))])}"
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : length(coalesce(a.insufficient_data_actions, [])) == 0 && length(a.metric_query) == 0])
    error_message = "No alarm has INSUFFICIENT_DATA actions or metric math."
  }
  assert {
    condition     = output.alarm_names == { for kind, want in var.expected_alarms : kind => want.alarm_name }
    error_message = "output alarm_names must map each kind to its alarm's name: ${jsonencode(output.alarm_names)}"
  }
  assert {
    condition     = output.alarm_arns == { for kind in keys(var.expected_alarms) : kind => "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:mocked" } && output.alarm_arns == { for kind, a in aws_cloudwatch_metric_alarm.this : kind => a.arn }
    error_message = "output alarm_arns must map each kind to its alarm's ARN."
  }
}

# The alarms follow the inputs: names, descriptions and dimensions, the topic (another partition), the queue
# age threshold, and the duration threshold floor(timeout x 1000 x ratio) (7 s x 0.3333 = 2333.1 ms -> 2333).
run "alarms_follow_inputs" {
  command = plan

  variables {
    function_name           = "fn-b"
    queue_name              = "queue-b"
    dlq_name                = "queue-b-dead"
    timeout_seconds         = 7
    duration_alarm_ratio    = 0.3333
    queue_age_alarm_seconds = 120
    alarm_topic_arn         = "arn:aws-us-gov:sns:us-gov-west-1:210987654321:ops_pager"
    expected_alarms = {
      errors       = { alarm_name = "fn-b-errors", dimensions = { FunctionName = "fn-b" }, alarm_description = "fn-b failed invocations (crash, timeout, out of memory): the whole batch is retried. Runbook: docs/operations.md#alarm-errors" }
      throttles    = { alarm_name = "fn-b-throttles", dimensions = { FunctionName = "fn-b" }, alarm_description = "fn-b invocations throttled: reserved or account concurrency is below what the event source mapping asks for. Runbook: docs/operations.md#alarm-throttles" }
      duration_p95 = { alarm_name = "fn-b-duration-p95", dimensions = { FunctionName = "fn-b" }, threshold = 2333, alarm_description = "fn-b p95 duration above 33 % of its 7 s timeout: batches are about to time out. Runbook: docs/operations.md#alarm-duration_p95" }
      dlq_messages = { alarm_name = "queue-b-dead-messages-visible", dimensions = { QueueName = "queue-b-dead" }, alarm_description = "Messages in the dead-letter queue queue-b-dead: uploads that failed every receive. Inspect with `imgpipe dlq peek`, redrive with `imgpipe dlq redrive`. Runbook: docs/operations.md#alarm-dlq_messages" }
      queue_age    = { alarm_name = "queue-b-oldest-message-age", dimensions = { QueueName = "queue-b" }, threshold = 120, alarm_description = "Oldest message in queue-b older than 120 s: the function is not keeping up (or not consuming). Runbook: docs/operations.md#alarm-queue_age" }
    }
  }

  assert {
    condition     = alltrue(flatten([for kind, want in var.expected_alarms : [for attribute, value in want : jsonencode(aws_cloudwatch_metric_alarm.this[kind][attribute]) == jsonencode(value)]]))
    error_message = "These alarm attributes differ from expected_alarms: ${join(", ", flatten([for kind, want in var.expected_alarms : [for attribute, value in want : "${kind}.${attribute}" if jsonencode(aws_cloudwatch_metric_alarm.this[kind][attribute]) != jsonencode(value)]]))}"
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.alarm_actions == toset(["arn:aws-us-gov:sns:us-gov-west-1:210987654321:ops_pager"]) && a.ok_actions == toset(["arn:aws-us-gov:sns:us-gov-west-1:210987654321:ops_pager"])])
    error_message = "Every alarm must notify exactly alarm_topic_arn on ALARM and on OK."
  }
}

# The duration threshold at the timeout's maximum and the ratio's default: 900 s x 1000 x 0.8 = 720000 ms.
run "duration_threshold_at_maximum_timeout" {
  command = plan

  variables {
    timeout_seconds = 900
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["duration_p95"].threshold == 720000
    error_message = "The duration threshold must be floor(timeout_seconds x 1000 x duration_alarm_ratio)."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.this["duration_p95"].alarm_description == "imgpipe-test-image-processor p95 duration above 80 % of its 900 s timeout: batches are about to time out. Runbook: docs/operations.md#alarm-duration_p95"
    error_message = "The duration alarm's description must give the ratio and the timeout."
  }
}
