# Every alarm notifies the topic on ALARM and on OK. Missing data is "not breaching": these metrics are only
# published while something happens (invocations, messages), and silence means nothing is wrong.

locals {
  alarm_names = {
    errors       = "${var.function_name}-errors"
    throttles    = "${var.function_name}-throttles"
    duration_p95 = "${var.function_name}-duration-p95"
    dlq_messages = "${var.dlq_name}-messages-visible"
    queue_age    = "${var.queue_name}-oldest-message-age"
  }
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = local.alarm_names.errors
  alarm_description   = "${var.function_name} failed invocations (crash, timeout, out of memory): the whole batch is retried."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "throttles" {
  alarm_name          = local.alarm_names.throttles
  alarm_description   = "${var.function_name} invocations throttled: reserved or account concurrency is below what the event source mapping asks for."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "duration_p95" {
  alarm_name          = local.alarm_names.duration_p95
  alarm_description   = "${var.function_name} p95 duration above ${floor(var.duration_alarm_ratio * 100)} % of its ${var.timeout_seconds} s timeout: batches are about to time out."
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  extended_statistic  = "p95"
  period              = 300
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = floor(var.timeout_seconds * 1000 * var.duration_alarm_ratio)
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "dlq_messages" {
  alarm_name          = local.alarm_names.dlq_messages
  alarm_description   = "Messages in the dead-letter queue ${var.dlq_name}: inspect with `imgpipe dlq peek`, redrive with `imgpipe dlq redrive`."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = var.dlq_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "queue_age" {
  alarm_name          = local.alarm_names.queue_age
  alarm_description   = "Oldest message in ${var.queue_name} older than ${var.queue_age_alarm_seconds} s: the function is not keeping up (or not consuming)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = var.queue_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.queue_age_alarm_seconds
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = var.tags
}
