# The stack's health at a glance: one CloudWatch dashboard per function (so per environment). Each graph of a
# metric that an alarm watches uses that alarm's statistic and period, and draws its threshold, all read from
# local.alarms (alarms.tf): what the graph shows is what the alarm evaluates.

locals {
  dashboard_name = var.function_name
  percentiles    = ["p50", "p95", "p99"] # that the two time graphs (function duration, time per image) plot

  # The function's own counts, summed per 5 minutes: a graph each, of [metric, label] lines. They carry exactly
  # one dimension, `service`: Powertools Metrics(namespace, service) adds it to all the function's metrics.
  count_graphs = [
    { title = "Images by outcome", metrics = [["ImagesProcessed", "processed"], ["ImagesRejected", "rejected"], ["ImagesFailed", "failed"]] },
    { title = "Retries and duplicates", metrics = [["TransientFailures", "transient failures (retried)"], ["DuplicatesSkipped", "duplicates skipped"]] },
    { title = "Bytes written", metrics = [["BytesWritten", "bytes written"]] },
  ]

  # One graph each, in reading order: the queues, the function as Lambda sees it, then as it reports itself.
  # `alarms` names the keys of local.alarms whose thresholds the graph draws (and whose period it uses).
  # Every metric names its statistic, so a graph never silently falls back to a widget-wide one.
  dashboard_graphs = concat([
    {
      title  = "Queue depth: ${var.queue_name}"
      period = 60
      alarms = []
      metrics = [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.queue_name, { stat = "Maximum", label = "visible" }],
        ["AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", var.queue_name, { stat = "Maximum", label = "in flight" }],
      ]
    },
    {
      title  = "Age of oldest message (s): ${var.queue_name}"
      period = local.alarms.queue_age.period
      alarms = ["queue_age"]
      metrics = [
        ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", var.queue_name, { stat = local.alarms.queue_age.statistic, label = "oldest message" }],
      ]
    },
    {
      title  = "Dead-letter queue depth: ${var.dlq_name}"
      period = local.alarms.dlq_messages.period
      alarms = ["dlq_messages"]
      metrics = [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.dlq_name, { stat = local.alarms.dlq_messages.statistic, label = "visible" }],
      ]
    },
    {
      title  = "Invocations"
      period = 300
      alarms = []
      metrics = [
        ["AWS/Lambda", "Invocations", "FunctionName", aws_lambda_function.this.function_name, { stat = "Sum", label = "invocations" }],
      ]
    },
    {
      title  = "Errors"
      period = local.alarms.errors.period
      alarms = ["errors"]
      metrics = [
        ["AWS/Lambda", "Errors", "FunctionName", aws_lambda_function.this.function_name, { stat = local.alarms.errors.statistic, label = "errors" }],
      ]
    },
    {
      title  = "Throttles"
      period = local.alarms.throttles.period
      alarms = ["throttles"]
      metrics = [
        ["AWS/Lambda", "Throttles", "FunctionName", aws_lambda_function.this.function_name, { stat = local.alarms.throttles.statistic, label = "throttles" }],
      ]
    },
    {
      title  = "Duration (ms)"
      period = local.alarms.duration_p95.period
      alarms = ["duration_p95"]
      metrics = [
        for p in local.percentiles : ["AWS/Lambda", "Duration", "FunctionName", aws_lambda_function.this.function_name, { stat = p, label = p }]
      ]
    },
    {
      title  = "Concurrent executions"
      period = 60
      alarms = []
      metrics = [
        ["AWS/Lambda", "ConcurrentExecutions", "FunctionName", aws_lambda_function.this.function_name, { stat = "Maximum", label = "concurrent executions" }],
      ]
    },
    ],
    [
      for graph in local.count_graphs : {
        title   = graph.title
        period  = 300
        alarms  = []
        metrics = [for m in graph.metrics : [var.metrics_namespace, m[0], "service", var.service_name, { stat = "Sum", label = m[1] }]]
      }
    ],
    [
      {
        title  = "Processing time per image (ms)"
        period = 300
        alarms = []
        metrics = [
          for p in local.percentiles : [var.metrics_namespace, "ProcessingTime", "service", var.service_name, { stat = p, label = p }]
        ]
      },
    ],
  )

  # A row of alarm states across the top, then the graphs three to a row of the 24-column grid.
  alarm_widget_height = 3
  graph_width         = 8
  graph_height        = 6
  graphs_per_row      = 24 / local.graph_width

  dashboard_widgets = concat(
    [
      {
        type   = "alarm"
        x      = 0
        y      = 0
        width  = 24
        height = local.alarm_widget_height
        properties = {
          title  = "Alarms (runbooks: docs/operations.md#alarm-runbooks)"
          alarms = [for kind in sort(keys(local.alarms)) : aws_cloudwatch_metric_alarm.this[kind].arn]
        }
      },
    ],
    [
      for index, graph in local.dashboard_graphs : {
        type   = "metric"
        x      = (index % local.graphs_per_row) * local.graph_width
        y      = local.alarm_widget_height + floor(index / local.graphs_per_row) * local.graph_height
        width  = local.graph_width
        height = local.graph_height
        properties = merge(
          {
            title   = graph.title
            region  = local.region
            view    = "timeSeries"
            stacked = false
            period  = graph.period
            metrics = graph.metrics
          },
          length(graph.alarms) == 0 ? null : {
            annotations = {
              horizontal = [
                for kind in graph.alarms : {
                  label = "${local.alarms[kind].name} alarm: > ${local.alarms[kind].threshold}"
                  value = local.alarms[kind].threshold
                }
              ]
            }
          },
        )
      }
    ],
  )
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = local.dashboard_name
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}
