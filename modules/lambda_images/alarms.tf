# One alarm per way the pipeline goes wrong, as data: every alarm notifies the topic on ALARM and on OK, and
# treats missing data as "not breaching" (these metrics are only published while something happens, and
# silence means nothing is wrong). Each description ends with its runbook: docs/operations.md#alarm-<key>,
# one section per key of local.alarms (CloudWatch allows descriptions up to 1024 characters).

locals {
  lambda_dimensions = { FunctionName = aws_lambda_function.this.function_name }

  alarms = {
    errors = {
      name        = "${var.function_name}-errors"
      description = "${var.function_name} failed invocations (crash, timeout, out of memory): the whole batch is retried. Runbook: docs/operations.md#alarm-errors"
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = local.lambda_dimensions
      statistic   = "Sum"
      period      = 300
      evaluations = 1
      datapoints  = 1
      threshold   = 0
    }
    throttles = {
      name        = "${var.function_name}-throttles"
      description = "${var.function_name} invocations throttled: reserved or account concurrency is below what the event source mapping asks for. Runbook: docs/operations.md#alarm-throttles"
      namespace   = "AWS/Lambda"
      metric      = "Throttles"
      dimensions  = local.lambda_dimensions
      statistic   = "Sum"
      period      = 300
      evaluations = 1
      datapoints  = 1
      threshold   = 0
    }
    duration_p95 = {
      name        = "${var.function_name}-duration-p95"
      description = "${var.function_name} p95 duration above ${floor(var.duration_alarm_ratio * 100)} % of its ${var.timeout_seconds} s timeout: batches are about to time out. Runbook: docs/operations.md#alarm-duration_p95"
      namespace   = "AWS/Lambda"
      metric      = "Duration"
      dimensions  = local.lambda_dimensions
      statistic   = "p95"
      period      = 300
      evaluations = 3
      datapoints  = 2
      threshold   = floor(var.timeout_seconds * 1000 * var.duration_alarm_ratio)
    }
    dlq_messages = {
      name        = "${var.dlq_name}-messages-visible"
      description = "Messages in the dead-letter queue ${var.dlq_name}: uploads that failed every receive. Inspect with `imgpipe dlq peek`, redrive with `imgpipe dlq redrive`. Runbook: docs/operations.md#alarm-dlq_messages"
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = var.dlq_name }
      statistic   = "Maximum"
      period      = 60
      evaluations = 1
      datapoints  = 1
      threshold   = 0
    }
    queue_age = {
      name        = "${var.queue_name}-oldest-message-age"
      description = "Oldest message in ${var.queue_name} older than ${var.queue_age_alarm_seconds} s: the function is not keeping up (or not consuming). Runbook: docs/operations.md#alarm-queue_age"
      namespace   = "AWS/SQS"
      metric      = "ApproximateAgeOfOldestMessage"
      dimensions  = { QueueName = var.queue_name }
      statistic   = "Maximum"
      period      = 60
      evaluations = 5
      datapoints  = 5
      threshold   = var.queue_age_alarm_seconds
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = each.value.name
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = startswith(each.value.statistic, "p") ? null : each.value.statistic
  extended_statistic  = startswith(each.value.statistic, "p") ? each.value.statistic : null
  period              = each.value.period
  evaluation_periods  = each.value.evaluations
  datapoints_to_alarm = each.value.datapoints
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = var.tags
}
