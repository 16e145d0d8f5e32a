# The alarms of modules/lambda_images (alarms.tf): one per way the pipeline goes wrong, each notifying the
# alarm topic on ALARM and on OK, missing data not breaching; and the alarm_names/alarm_arns outputs.

# Every computed string has a fixed mocked value, produced while planning too (override_during = plan): most
# runs are fast plans, and a run that applies sees the same values as its plan.
mock_provider "aws" {
  override_during = plan
  source          = "../../tests/terraform/mocks/aws"
}

# The five alarms with the defaults (60 s timeout, ratio 0.8, queue age 900 s): each one's name, description,
# metric, dimensions, statistic, period, evaluation periods, datapoints, threshold; the shared settings.
run "alarms_defaults" {
  command = plan

  assert {
    condition     = sort(keys(aws_cloudwatch_metric_alarm.this)) == sort(["errors", "throttles", "duration_p95", "dlq_messages", "queue_age"])
    error_message = "The alarms must be exactly errors, throttles, duration_p95, dlq_messages and queue_age."
  }
  assert {
    condition = alltrue([
      aws_cloudwatch_metric_alarm.this["errors"].alarm_name == "imgpipe-test-image-processor-errors",
      aws_cloudwatch_metric_alarm.this["errors"].alarm_description == "imgpipe-test-image-processor failed invocations (crash, timeout, out of memory): the whole batch is retried. Runbook: docs/operations.md#alarm-errors",
      aws_cloudwatch_metric_alarm.this["errors"].namespace == "AWS/Lambda",
      aws_cloudwatch_metric_alarm.this["errors"].metric_name == "Errors",
      aws_cloudwatch_metric_alarm.this["errors"].dimensions == tomap({ FunctionName = "imgpipe-test-image-processor" }),
      aws_cloudwatch_metric_alarm.this["errors"].statistic == "Sum",
      aws_cloudwatch_metric_alarm.this["errors"].extended_statistic == null,
      aws_cloudwatch_metric_alarm.this["errors"].period == 300,
      aws_cloudwatch_metric_alarm.this["errors"].evaluation_periods == 1,
      aws_cloudwatch_metric_alarm.this["errors"].datapoints_to_alarm == 1,
      aws_cloudwatch_metric_alarm.this["errors"].comparison_operator == "GreaterThanThreshold",
      aws_cloudwatch_metric_alarm.this["errors"].threshold == 0,
    ])
    error_message = "The errors alarm is wrong: ${jsonencode({ name = aws_cloudwatch_metric_alarm.this["errors"].alarm_name, description = aws_cloudwatch_metric_alarm.this["errors"].alarm_description, namespace = aws_cloudwatch_metric_alarm.this["errors"].namespace, metric = aws_cloudwatch_metric_alarm.this["errors"].metric_name, dimensions = aws_cloudwatch_metric_alarm.this["errors"].dimensions, statistic = aws_cloudwatch_metric_alarm.this["errors"].statistic, extended_statistic = aws_cloudwatch_metric_alarm.this["errors"].extended_statistic, period = aws_cloudwatch_metric_alarm.this["errors"].period, evaluations = aws_cloudwatch_metric_alarm.this["errors"].evaluation_periods, datapoints = aws_cloudwatch_metric_alarm.this["errors"].datapoints_to_alarm, comparison = aws_cloudwatch_metric_alarm.this["errors"].comparison_operator, threshold = aws_cloudwatch_metric_alarm.this["errors"].threshold })}"
  }
  assert {
    condition = alltrue([
      aws_cloudwatch_metric_alarm.this["throttles"].alarm_name == "imgpipe-test-image-processor-throttles",
      aws_cloudwatch_metric_alarm.this["throttles"].alarm_description == "imgpipe-test-image-processor invocations throttled: reserved or account concurrency is below what the event source mapping asks for. Runbook: docs/operations.md#alarm-throttles",
      aws_cloudwatch_metric_alarm.this["throttles"].namespace == "AWS/Lambda",
      aws_cloudwatch_metric_alarm.this["throttles"].metric_name == "Throttles",
      aws_cloudwatch_metric_alarm.this["throttles"].dimensions == tomap({ FunctionName = "imgpipe-test-image-processor" }),
      aws_cloudwatch_metric_alarm.this["throttles"].statistic == "Sum",
      aws_cloudwatch_metric_alarm.this["throttles"].extended_statistic == null,
      aws_cloudwatch_metric_alarm.this["throttles"].period == 300,
      aws_cloudwatch_metric_alarm.this["throttles"].evaluation_periods == 1,
      aws_cloudwatch_metric_alarm.this["throttles"].datapoints_to_alarm == 1,
      aws_cloudwatch_metric_alarm.this["throttles"].comparison_operator == "GreaterThanThreshold",
      aws_cloudwatch_metric_alarm.this["throttles"].threshold == 0,
    ])
    error_message = "The throttles alarm is wrong: ${jsonencode({ name = aws_cloudwatch_metric_alarm.this["throttles"].alarm_name, description = aws_cloudwatch_metric_alarm.this["throttles"].alarm_description, namespace = aws_cloudwatch_metric_alarm.this["throttles"].namespace, metric = aws_cloudwatch_metric_alarm.this["throttles"].metric_name, dimensions = aws_cloudwatch_metric_alarm.this["throttles"].dimensions, statistic = aws_cloudwatch_metric_alarm.this["throttles"].statistic, extended_statistic = aws_cloudwatch_metric_alarm.this["throttles"].extended_statistic, period = aws_cloudwatch_metric_alarm.this["throttles"].period, evaluations = aws_cloudwatch_metric_alarm.this["throttles"].evaluation_periods, datapoints = aws_cloudwatch_metric_alarm.this["throttles"].datapoints_to_alarm, comparison = aws_cloudwatch_metric_alarm.this["throttles"].comparison_operator, threshold = aws_cloudwatch_metric_alarm.this["throttles"].threshold })}"
  }
  assert {
    condition = alltrue([
      aws_cloudwatch_metric_alarm.this["duration_p95"].alarm_name == "imgpipe-test-image-processor-duration-p95",
      aws_cloudwatch_metric_alarm.this["duration_p95"].alarm_description == "imgpipe-test-image-processor p95 duration above 80 % of its 60 s timeout: batches are about to time out. Runbook: docs/operations.md#alarm-duration_p95",
      aws_cloudwatch_metric_alarm.this["duration_p95"].namespace == "AWS/Lambda",
      aws_cloudwatch_metric_alarm.this["duration_p95"].metric_name == "Duration",
      aws_cloudwatch_metric_alarm.this["duration_p95"].dimensions == tomap({ FunctionName = "imgpipe-test-image-processor" }),
      aws_cloudwatch_metric_alarm.this["duration_p95"].statistic == null,
      aws_cloudwatch_metric_alarm.this["duration_p95"].extended_statistic == "p95",
      aws_cloudwatch_metric_alarm.this["duration_p95"].period == 300,
      aws_cloudwatch_metric_alarm.this["duration_p95"].evaluation_periods == 3,
      aws_cloudwatch_metric_alarm.this["duration_p95"].datapoints_to_alarm == 2,
      aws_cloudwatch_metric_alarm.this["duration_p95"].comparison_operator == "GreaterThanThreshold",
      aws_cloudwatch_metric_alarm.this["duration_p95"].threshold == 48000,
    ])
    error_message = "The duration_p95 alarm is wrong: ${jsonencode({ name = aws_cloudwatch_metric_alarm.this["duration_p95"].alarm_name, description = aws_cloudwatch_metric_alarm.this["duration_p95"].alarm_description, namespace = aws_cloudwatch_metric_alarm.this["duration_p95"].namespace, metric = aws_cloudwatch_metric_alarm.this["duration_p95"].metric_name, dimensions = aws_cloudwatch_metric_alarm.this["duration_p95"].dimensions, statistic = aws_cloudwatch_metric_alarm.this["duration_p95"].statistic, extended_statistic = aws_cloudwatch_metric_alarm.this["duration_p95"].extended_statistic, period = aws_cloudwatch_metric_alarm.this["duration_p95"].period, evaluations = aws_cloudwatch_metric_alarm.this["duration_p95"].evaluation_periods, datapoints = aws_cloudwatch_metric_alarm.this["duration_p95"].datapoints_to_alarm, comparison = aws_cloudwatch_metric_alarm.this["duration_p95"].comparison_operator, threshold = aws_cloudwatch_metric_alarm.this["duration_p95"].threshold })}"
  }
  assert {
    condition = alltrue([
      aws_cloudwatch_metric_alarm.this["dlq_messages"].alarm_name == "imgpipe-test-uploads-dlq-messages-visible",
      aws_cloudwatch_metric_alarm.this["dlq_messages"].alarm_description == "Messages in the dead-letter queue imgpipe-test-uploads-dlq: uploads that failed every receive. Inspect with `imgpipe dlq peek`, redrive with `imgpipe dlq redrive`. Runbook: docs/operations.md#alarm-dlq_messages",
      aws_cloudwatch_metric_alarm.this["dlq_messages"].namespace == "AWS/SQS",
      aws_cloudwatch_metric_alarm.this["dlq_messages"].metric_name == "ApproximateNumberOfMessagesVisible",
      aws_cloudwatch_metric_alarm.this["dlq_messages"].dimensions == tomap({ QueueName = "imgpipe-test-uploads-dlq" }),
      aws_cloudwatch_metric_alarm.this["dlq_messages"].statistic == "Maximum",
      aws_cloudwatch_metric_alarm.this["dlq_messages"].extended_statistic == null,
      aws_cloudwatch_metric_alarm.this["dlq_messages"].period == 60,
      aws_cloudwatch_metric_alarm.this["dlq_messages"].evaluation_periods == 1,
      aws_cloudwatch_metric_alarm.this["dlq_messages"].datapoints_to_alarm == 1,
      aws_cloudwatch_metric_alarm.this["dlq_messages"].comparison_operator == "GreaterThanThreshold",
      aws_cloudwatch_metric_alarm.this["dlq_messages"].threshold == 0,
    ])
    error_message = "The dlq_messages alarm is wrong: ${jsonencode({ name = aws_cloudwatch_metric_alarm.this["dlq_messages"].alarm_name, description = aws_cloudwatch_metric_alarm.this["dlq_messages"].alarm_description, namespace = aws_cloudwatch_metric_alarm.this["dlq_messages"].namespace, metric = aws_cloudwatch_metric_alarm.this["dlq_messages"].metric_name, dimensions = aws_cloudwatch_metric_alarm.this["dlq_messages"].dimensions, statistic = aws_cloudwatch_metric_alarm.this["dlq_messages"].statistic, extended_statistic = aws_cloudwatch_metric_alarm.this["dlq_messages"].extended_statistic, period = aws_cloudwatch_metric_alarm.this["dlq_messages"].period, evaluations = aws_cloudwatch_metric_alarm.this["dlq_messages"].evaluation_periods, datapoints = aws_cloudwatch_metric_alarm.this["dlq_messages"].datapoints_to_alarm, comparison = aws_cloudwatch_metric_alarm.this["dlq_messages"].comparison_operator, threshold = aws_cloudwatch_metric_alarm.this["dlq_messages"].threshold })}"
  }
  assert {
    condition = alltrue([
      aws_cloudwatch_metric_alarm.this["queue_age"].alarm_name == "imgpipe-test-uploads-oldest-message-age",
      aws_cloudwatch_metric_alarm.this["queue_age"].alarm_description == "Oldest message in imgpipe-test-uploads older than 900 s: the function is not keeping up (or not consuming). Runbook: docs/operations.md#alarm-queue_age",
      aws_cloudwatch_metric_alarm.this["queue_age"].namespace == "AWS/SQS",
      aws_cloudwatch_metric_alarm.this["queue_age"].metric_name == "ApproximateAgeOfOldestMessage",
      aws_cloudwatch_metric_alarm.this["queue_age"].dimensions == tomap({ QueueName = "imgpipe-test-uploads" }),
      aws_cloudwatch_metric_alarm.this["queue_age"].statistic == "Maximum",
      aws_cloudwatch_metric_alarm.this["queue_age"].extended_statistic == null,
      aws_cloudwatch_metric_alarm.this["queue_age"].period == 60,
      aws_cloudwatch_metric_alarm.this["queue_age"].evaluation_periods == 5,
      aws_cloudwatch_metric_alarm.this["queue_age"].datapoints_to_alarm == 5,
      aws_cloudwatch_metric_alarm.this["queue_age"].comparison_operator == "GreaterThanThreshold",
      aws_cloudwatch_metric_alarm.this["queue_age"].threshold == 900,
    ])
    error_message = "The queue_age alarm is wrong: ${jsonencode({ name = aws_cloudwatch_metric_alarm.this["queue_age"].alarm_name, description = aws_cloudwatch_metric_alarm.this["queue_age"].alarm_description, namespace = aws_cloudwatch_metric_alarm.this["queue_age"].namespace, metric = aws_cloudwatch_metric_alarm.this["queue_age"].metric_name, dimensions = aws_cloudwatch_metric_alarm.this["queue_age"].dimensions, statistic = aws_cloudwatch_metric_alarm.this["queue_age"].statistic, extended_statistic = aws_cloudwatch_metric_alarm.this["queue_age"].extended_statistic, period = aws_cloudwatch_metric_alarm.this["queue_age"].period, evaluations = aws_cloudwatch_metric_alarm.this["queue_age"].evaluation_periods, datapoints = aws_cloudwatch_metric_alarm.this["queue_age"].datapoints_to_alarm, comparison = aws_cloudwatch_metric_alarm.this["queue_age"].comparison_operator, threshold = aws_cloudwatch_metric_alarm.this["queue_age"].threshold })}"
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.treat_missing_data == "notBreaching"])
    error_message = "Every alarm must treat missing data as notBreaching."
  }
  assert {
    condition     = alltrue([for kind, a in aws_cloudwatch_metric_alarm.this : endswith(a.alarm_description, " Runbook: docs/operations.md#alarm-${kind}") && length(a.alarm_description) <= 1024])
    error_message = "Every alarm's description must end with its runbook (docs/operations.md#alarm-<key>) and fit CloudWatch's 1024 characters."
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.actions_enabled == true])
    error_message = "Every alarm must have its actions enabled."
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:imgpipe-test-alarms"]) && a.ok_actions == toset(["arn:aws:sns:eu-west-1:123456789012:imgpipe-test-alarms"])])
    error_message = "Every alarm must notify exactly alarm_topic_arn on ALARM and on OK."
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : length(coalesce(a.insufficient_data_actions, [])) == 0 && length(a.metric_query) == 0])
    error_message = "No alarm has INSUFFICIENT_DATA actions or metric math."
  }
}

# The alarms follow the inputs: names and dimensions, the topic, the queue age threshold, and the duration
# threshold floor(timeout x 1000 x ratio) (7 s x 0.3333 = 2333.1 ms -> 2333).
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
  }

  assert {
    condition     = sort(keys(aws_cloudwatch_metric_alarm.this)) == sort(["errors", "throttles", "duration_p95", "dlq_messages", "queue_age"])
    error_message = "The alarms must be exactly errors, throttles, duration_p95, dlq_messages and queue_age."
  }
  assert {
    condition = alltrue([
      aws_cloudwatch_metric_alarm.this["errors"].alarm_name == "fn-b-errors",
      aws_cloudwatch_metric_alarm.this["errors"].alarm_description == "fn-b failed invocations (crash, timeout, out of memory): the whole batch is retried. Runbook: docs/operations.md#alarm-errors",
      aws_cloudwatch_metric_alarm.this["errors"].namespace == "AWS/Lambda",
      aws_cloudwatch_metric_alarm.this["errors"].metric_name == "Errors",
      aws_cloudwatch_metric_alarm.this["errors"].dimensions == tomap({ FunctionName = "fn-b" }),
      aws_cloudwatch_metric_alarm.this["errors"].statistic == "Sum",
      aws_cloudwatch_metric_alarm.this["errors"].extended_statistic == null,
      aws_cloudwatch_metric_alarm.this["errors"].period == 300,
      aws_cloudwatch_metric_alarm.this["errors"].evaluation_periods == 1,
      aws_cloudwatch_metric_alarm.this["errors"].datapoints_to_alarm == 1,
      aws_cloudwatch_metric_alarm.this["errors"].comparison_operator == "GreaterThanThreshold",
      aws_cloudwatch_metric_alarm.this["errors"].threshold == 0,
    ])
    error_message = "The errors alarm is wrong: ${jsonencode({ name = aws_cloudwatch_metric_alarm.this["errors"].alarm_name, description = aws_cloudwatch_metric_alarm.this["errors"].alarm_description, namespace = aws_cloudwatch_metric_alarm.this["errors"].namespace, metric = aws_cloudwatch_metric_alarm.this["errors"].metric_name, dimensions = aws_cloudwatch_metric_alarm.this["errors"].dimensions, statistic = aws_cloudwatch_metric_alarm.this["errors"].statistic, extended_statistic = aws_cloudwatch_metric_alarm.this["errors"].extended_statistic, period = aws_cloudwatch_metric_alarm.this["errors"].period, evaluations = aws_cloudwatch_metric_alarm.this["errors"].evaluation_periods, datapoints = aws_cloudwatch_metric_alarm.this["errors"].datapoints_to_alarm, comparison = aws_cloudwatch_metric_alarm.this["errors"].comparison_operator, threshold = aws_cloudwatch_metric_alarm.this["errors"].threshold })}"
  }
  assert {
    condition = alltrue([
      aws_cloudwatch_metric_alarm.this["throttles"].alarm_name == "fn-b-throttles",
      aws_cloudwatch_metric_alarm.this["throttles"].alarm_description == "fn-b invocations throttled: reserved or account concurrency is below what the event source mapping asks for. Runbook: docs/operations.md#alarm-throttles",
      aws_cloudwatch_metric_alarm.this["throttles"].namespace == "AWS/Lambda",
      aws_cloudwatch_metric_alarm.this["throttles"].metric_name == "Throttles",
      aws_cloudwatch_metric_alarm.this["throttles"].dimensions == tomap({ FunctionName = "fn-b" }),
      aws_cloudwatch_metric_alarm.this["throttles"].statistic == "Sum",
      aws_cloudwatch_metric_alarm.this["throttles"].extended_statistic == null,
      aws_cloudwatch_metric_alarm.this["throttles"].period == 300,
      aws_cloudwatch_metric_alarm.this["throttles"].evaluation_periods == 1,
      aws_cloudwatch_metric_alarm.this["throttles"].datapoints_to_alarm == 1,
      aws_cloudwatch_metric_alarm.this["throttles"].comparison_operator == "GreaterThanThreshold",
      aws_cloudwatch_metric_alarm.this["throttles"].threshold == 0,
    ])
    error_message = "The throttles alarm is wrong: ${jsonencode({ name = aws_cloudwatch_metric_alarm.this["throttles"].alarm_name, description = aws_cloudwatch_metric_alarm.this["throttles"].alarm_description, namespace = aws_cloudwatch_metric_alarm.this["throttles"].namespace, metric = aws_cloudwatch_metric_alarm.this["throttles"].metric_name, dimensions = aws_cloudwatch_metric_alarm.this["throttles"].dimensions, statistic = aws_cloudwatch_metric_alarm.this["throttles"].statistic, extended_statistic = aws_cloudwatch_metric_alarm.this["throttles"].extended_statistic, period = aws_cloudwatch_metric_alarm.this["throttles"].period, evaluations = aws_cloudwatch_metric_alarm.this["throttles"].evaluation_periods, datapoints = aws_cloudwatch_metric_alarm.this["throttles"].datapoints_to_alarm, comparison = aws_cloudwatch_metric_alarm.this["throttles"].comparison_operator, threshold = aws_cloudwatch_metric_alarm.this["throttles"].threshold })}"
  }
  assert {
    condition = alltrue([
      aws_cloudwatch_metric_alarm.this["duration_p95"].alarm_name == "fn-b-duration-p95",
      aws_cloudwatch_metric_alarm.this["duration_p95"].alarm_description == "fn-b p95 duration above 33 % of its 7 s timeout: batches are about to time out. Runbook: docs/operations.md#alarm-duration_p95",
      aws_cloudwatch_metric_alarm.this["duration_p95"].namespace == "AWS/Lambda",
      aws_cloudwatch_metric_alarm.this["duration_p95"].metric_name == "Duration",
      aws_cloudwatch_metric_alarm.this["duration_p95"].dimensions == tomap({ FunctionName = "fn-b" }),
      aws_cloudwatch_metric_alarm.this["duration_p95"].statistic == null,
      aws_cloudwatch_metric_alarm.this["duration_p95"].extended_statistic == "p95",
      aws_cloudwatch_metric_alarm.this["duration_p95"].period == 300,
      aws_cloudwatch_metric_alarm.this["duration_p95"].evaluation_periods == 3,
      aws_cloudwatch_metric_alarm.this["duration_p95"].datapoints_to_alarm == 2,
      aws_cloudwatch_metric_alarm.this["duration_p95"].comparison_operator == "GreaterThanThreshold",
      aws_cloudwatch_metric_alarm.this["duration_p95"].threshold == 2333,
    ])
    error_message = "The duration_p95 alarm is wrong: ${jsonencode({ name = aws_cloudwatch_metric_alarm.this["duration_p95"].alarm_name, description = aws_cloudwatch_metric_alarm.this["duration_p95"].alarm_description, namespace = aws_cloudwatch_metric_alarm.this["duration_p95"].namespace, metric = aws_cloudwatch_metric_alarm.this["duration_p95"].metric_name, dimensions = aws_cloudwatch_metric_alarm.this["duration_p95"].dimensions, statistic = aws_cloudwatch_metric_alarm.this["duration_p95"].statistic, extended_statistic = aws_cloudwatch_metric_alarm.this["duration_p95"].extended_statistic, period = aws_cloudwatch_metric_alarm.this["duration_p95"].period, evaluations = aws_cloudwatch_metric_alarm.this["duration_p95"].evaluation_periods, datapoints = aws_cloudwatch_metric_alarm.this["duration_p95"].datapoints_to_alarm, comparison = aws_cloudwatch_metric_alarm.this["duration_p95"].comparison_operator, threshold = aws_cloudwatch_metric_alarm.this["duration_p95"].threshold })}"
  }
  assert {
    condition = alltrue([
      aws_cloudwatch_metric_alarm.this["dlq_messages"].alarm_name == "queue-b-dead-messages-visible",
      aws_cloudwatch_metric_alarm.this["dlq_messages"].alarm_description == "Messages in the dead-letter queue queue-b-dead: uploads that failed every receive. Inspect with `imgpipe dlq peek`, redrive with `imgpipe dlq redrive`. Runbook: docs/operations.md#alarm-dlq_messages",
      aws_cloudwatch_metric_alarm.this["dlq_messages"].namespace == "AWS/SQS",
      aws_cloudwatch_metric_alarm.this["dlq_messages"].metric_name == "ApproximateNumberOfMessagesVisible",
      aws_cloudwatch_metric_alarm.this["dlq_messages"].dimensions == tomap({ QueueName = "queue-b-dead" }),
      aws_cloudwatch_metric_alarm.this["dlq_messages"].statistic == "Maximum",
      aws_cloudwatch_metric_alarm.this["dlq_messages"].extended_statistic == null,
      aws_cloudwatch_metric_alarm.this["dlq_messages"].period == 60,
      aws_cloudwatch_metric_alarm.this["dlq_messages"].evaluation_periods == 1,
      aws_cloudwatch_metric_alarm.this["dlq_messages"].datapoints_to_alarm == 1,
      aws_cloudwatch_metric_alarm.this["dlq_messages"].comparison_operator == "GreaterThanThreshold",
      aws_cloudwatch_metric_alarm.this["dlq_messages"].threshold == 0,
    ])
    error_message = "The dlq_messages alarm is wrong: ${jsonencode({ name = aws_cloudwatch_metric_alarm.this["dlq_messages"].alarm_name, description = aws_cloudwatch_metric_alarm.this["dlq_messages"].alarm_description, namespace = aws_cloudwatch_metric_alarm.this["dlq_messages"].namespace, metric = aws_cloudwatch_metric_alarm.this["dlq_messages"].metric_name, dimensions = aws_cloudwatch_metric_alarm.this["dlq_messages"].dimensions, statistic = aws_cloudwatch_metric_alarm.this["dlq_messages"].statistic, extended_statistic = aws_cloudwatch_metric_alarm.this["dlq_messages"].extended_statistic, period = aws_cloudwatch_metric_alarm.this["dlq_messages"].period, evaluations = aws_cloudwatch_metric_alarm.this["dlq_messages"].evaluation_periods, datapoints = aws_cloudwatch_metric_alarm.this["dlq_messages"].datapoints_to_alarm, comparison = aws_cloudwatch_metric_alarm.this["dlq_messages"].comparison_operator, threshold = aws_cloudwatch_metric_alarm.this["dlq_messages"].threshold })}"
  }
  assert {
    condition = alltrue([
      aws_cloudwatch_metric_alarm.this["queue_age"].alarm_name == "queue-b-oldest-message-age",
      aws_cloudwatch_metric_alarm.this["queue_age"].alarm_description == "Oldest message in queue-b older than 120 s: the function is not keeping up (or not consuming). Runbook: docs/operations.md#alarm-queue_age",
      aws_cloudwatch_metric_alarm.this["queue_age"].namespace == "AWS/SQS",
      aws_cloudwatch_metric_alarm.this["queue_age"].metric_name == "ApproximateAgeOfOldestMessage",
      aws_cloudwatch_metric_alarm.this["queue_age"].dimensions == tomap({ QueueName = "queue-b" }),
      aws_cloudwatch_metric_alarm.this["queue_age"].statistic == "Maximum",
      aws_cloudwatch_metric_alarm.this["queue_age"].extended_statistic == null,
      aws_cloudwatch_metric_alarm.this["queue_age"].period == 60,
      aws_cloudwatch_metric_alarm.this["queue_age"].evaluation_periods == 5,
      aws_cloudwatch_metric_alarm.this["queue_age"].datapoints_to_alarm == 5,
      aws_cloudwatch_metric_alarm.this["queue_age"].comparison_operator == "GreaterThanThreshold",
      aws_cloudwatch_metric_alarm.this["queue_age"].threshold == 120,
    ])
    error_message = "The queue_age alarm is wrong: ${jsonencode({ name = aws_cloudwatch_metric_alarm.this["queue_age"].alarm_name, description = aws_cloudwatch_metric_alarm.this["queue_age"].alarm_description, namespace = aws_cloudwatch_metric_alarm.this["queue_age"].namespace, metric = aws_cloudwatch_metric_alarm.this["queue_age"].metric_name, dimensions = aws_cloudwatch_metric_alarm.this["queue_age"].dimensions, statistic = aws_cloudwatch_metric_alarm.this["queue_age"].statistic, extended_statistic = aws_cloudwatch_metric_alarm.this["queue_age"].extended_statistic, period = aws_cloudwatch_metric_alarm.this["queue_age"].period, evaluations = aws_cloudwatch_metric_alarm.this["queue_age"].evaluation_periods, datapoints = aws_cloudwatch_metric_alarm.this["queue_age"].datapoints_to_alarm, comparison = aws_cloudwatch_metric_alarm.this["queue_age"].comparison_operator, threshold = aws_cloudwatch_metric_alarm.this["queue_age"].threshold })}"
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.treat_missing_data == "notBreaching"])
    error_message = "Every alarm must treat missing data as notBreaching."
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.actions_enabled == true])
    error_message = "Every alarm must have its actions enabled."
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.alarm_actions == toset(["arn:aws-us-gov:sns:us-gov-west-1:210987654321:ops_pager"]) && a.ok_actions == toset(["arn:aws-us-gov:sns:us-gov-west-1:210987654321:ops_pager"])])
    error_message = "Every alarm must notify exactly alarm_topic_arn on ALARM and on OK."
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : length(coalesce(a.insufficient_data_actions, [])) == 0 && length(a.metric_query) == 0])
    error_message = "No alarm has INSUFFICIENT_DATA actions or metric math."
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

# The outputs alarm_names and alarm_arns: maps keyed by kind, of each alarm's name and ARN.
run "alarm_outputs" {
  command = plan

  assert {
    condition = output.alarm_names == {
      errors       = "imgpipe-test-image-processor-errors"
      throttles    = "imgpipe-test-image-processor-throttles"
      duration_p95 = "imgpipe-test-image-processor-duration-p95"
      dlq_messages = "imgpipe-test-uploads-dlq-messages-visible"
      queue_age    = "imgpipe-test-uploads-oldest-message-age"
    }
    error_message = "output alarm_names must map each kind to its alarm's name: ${jsonencode(output.alarm_names)}"
  }
  assert {
    condition     = output.alarm_arns == { for k, a in aws_cloudwatch_metric_alarm.this : k => a.arn }
    error_message = "output alarm_arns must map each kind to its alarm's ARN."
  }
  assert {
    condition     = sort(keys(output.alarm_arns)) == sort(["errors", "throttles", "duration_p95", "dlq_messages", "queue_age"]) && alltrue([for arn in values(output.alarm_arns) : arn == "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:mocked"])
    error_message = "output alarm_arns must hold the five alarms' ARNs."
  }
}
