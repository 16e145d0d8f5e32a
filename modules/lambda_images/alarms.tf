# One alarm per way the pipeline goes wrong, as data: every alarm notifies the topic on ALARM and on OK, and
# treats missing data as "not breaching" (these metrics are only published while something happens, and
# silence means nothing is wrong). The resource ends each description with its runbook,
# docs/operations.md#alarm-<key>: one section per key of local.alarms (CloudWatch allows up to 1024 characters).

locals {
  # An alarm fires on the first breaching datapoint above zero unless it says otherwise.
  alarm_defaults = { evaluations = 1, datapoints = 1, threshold = 0 }
  lambda_alarm = merge(local.alarm_defaults, {
    namespace  = "AWS/Lambda"
    dimensions = { FunctionName = aws_lambda_function.this.function_name }
    statistic  = "Sum"
    period     = 300
  })
  queue_alarm = merge(local.alarm_defaults, {
    namespace = "AWS/SQS"
    statistic = "Maximum"
    period    = 60
  })

  # The function's counts whose metric is the title of the key: any one in 5 minutes alarms.
  lambda_count_alarms = {
    errors    = "failed invocations (crash, timeout, out of memory): the whole batch is retried."
    throttles = "invocations throttled: reserved or account concurrency is below what the event source mapping asks for."
  }

  alarms = merge(
    { for kind, meaning in local.lambda_count_alarms : kind => merge(local.lambda_alarm, {
      name        = "${var.function_name}-${kind}"
      description = "${var.function_name} ${meaning}"
      metric      = title(kind)
    }) },
    {
      duration_p95 = merge(local.lambda_alarm, {
        name        = "${var.function_name}-duration-p95"
        description = "${var.function_name} p95 duration above ${floor(var.duration_alarm_ratio * 100)} % of its ${var.timeout_seconds} s timeout: batches are about to time out."
        metric      = "Duration"
        statistic   = "p95"
        evaluations = 3
        datapoints  = 2
        threshold   = floor(var.timeout_seconds * 1000 * var.duration_alarm_ratio)
      })
      dlq_messages = merge(local.queue_alarm, {
        name        = "${var.dlq_name}-messages-visible"
        description = "Messages in the dead-letter queue ${var.dlq_name}: uploads that failed every receive. Inspect with `imgpipe dlq peek`, redrive with `imgpipe dlq redrive`."
        metric      = "ApproximateNumberOfMessagesVisible"
        dimensions  = { QueueName = var.dlq_name }
      })
      queue_age = merge(local.queue_alarm, {
        name        = "${var.queue_name}-oldest-message-age"
        description = "Oldest message in ${var.queue_name} older than ${var.queue_age_alarm_seconds} s: the function is not keeping up (or not consuming)."
        metric      = "ApproximateAgeOfOldestMessage"
        dimensions  = { QueueName = var.queue_name }
        evaluations = 5
        datapoints  = 5
        threshold   = var.queue_age_alarm_seconds
      })
    },
  )
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = each.value.name
  alarm_description   = "${each.value.description} Runbook: docs/operations.md#alarm-${each.key}"
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
