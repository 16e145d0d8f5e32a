# The dashboard of modules/lambda_images (dashboard.tf): its name, a graph for each metric of the queues, the
# function and the function's own metrics, every alarm's threshold drawn on the graph of its metric (from
# local.alarms), the alarm status row, the layout; and the dashboard_name/dashboard_url outputs.
#
# The body is asserted decoded (jsondecode), summarised per graph as "<namespace> <metric> <dimension>=<value>
# <statistic>" lines: what CloudWatch would plot, independent of label wording and key order.

# Every computed string has a fixed mocked value, produced while planning too (override_during = plan): most
# runs are fast plans, and a run that applies sees the same values as its plan.
mock_provider "aws" {
  override_during = plan
  source          = "../../tests/terraform/mocks/aws"
}

# GIVEN the defaults (queue imgpipe-test-uploads, namespace and service imgpipe, 60 s timeout, Region eu-west-1)
# WHEN planned THEN one dashboard named after the function, with exactly these graphs, periods and thresholds.
run "dashboard_defaults" {
  command = plan

  assert {
    condition = {
      for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties.title => {
        period  = w.properties.period
        metrics = [for m in w.properties.metrics : "${m[0]} ${m[1]} ${m[2]}=${m[3]} ${m[4].stat}"]
      } if w.type == "metric"
      } == {
      "Queue depth: imgpipe-test-uploads" = {
        period = 60
        metrics = [
          "AWS/SQS ApproximateNumberOfMessagesVisible QueueName=imgpipe-test-uploads Maximum",
          "AWS/SQS ApproximateNumberOfMessagesNotVisible QueueName=imgpipe-test-uploads Maximum",
        ]
      }
      "Age of oldest message (s): imgpipe-test-uploads" = {
        period  = 60
        metrics = ["AWS/SQS ApproximateAgeOfOldestMessage QueueName=imgpipe-test-uploads Maximum"]
      }
      "Dead-letter queue depth: imgpipe-test-uploads-dlq" = {
        period  = 60
        metrics = ["AWS/SQS ApproximateNumberOfMessagesVisible QueueName=imgpipe-test-uploads-dlq Maximum"]
      }
      "Invocations" = {
        period  = 300
        metrics = ["AWS/Lambda Invocations FunctionName=imgpipe-test-image-processor Sum"]
      }
      "Errors" = {
        period  = 300
        metrics = ["AWS/Lambda Errors FunctionName=imgpipe-test-image-processor Sum"]
      }
      "Throttles" = {
        period  = 300
        metrics = ["AWS/Lambda Throttles FunctionName=imgpipe-test-image-processor Sum"]
      }
      "Duration (ms)" = {
        period = 300
        metrics = [
          "AWS/Lambda Duration FunctionName=imgpipe-test-image-processor p50",
          "AWS/Lambda Duration FunctionName=imgpipe-test-image-processor p95",
          "AWS/Lambda Duration FunctionName=imgpipe-test-image-processor p99",
        ]
      }
      "Concurrent executions" = {
        period  = 60
        metrics = ["AWS/Lambda ConcurrentExecutions FunctionName=imgpipe-test-image-processor Maximum"]
      }
      "Images by outcome" = {
        period = 300
        metrics = [
          "imgpipe ImagesProcessed service=imgpipe Sum",
          "imgpipe ImagesRejected service=imgpipe Sum",
          "imgpipe ImagesFailed service=imgpipe Sum",
        ]
      }
      "Retries and duplicates" = {
        period = 300
        metrics = [
          "imgpipe TransientFailures service=imgpipe Sum",
          "imgpipe DuplicatesSkipped service=imgpipe Sum",
        ]
      }
      "Bytes written" = {
        period  = 300
        metrics = ["imgpipe BytesWritten service=imgpipe Sum"]
      }
      "Processing time per image (ms)" = {
        period = 300
        metrics = [
          "imgpipe ProcessingTime service=imgpipe p50",
          "imgpipe ProcessingTime service=imgpipe p95",
          "imgpipe ProcessingTime service=imgpipe p99",
        ]
      }
    }
    error_message = "The dashboard's graphs are wrong: ${jsonencode({ for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties.title => { period = w.properties.period, metrics = [for m in w.properties.metrics : "${m[0]} ${m[1]} ${m[2]}=${m[3]} ${m[4].stat}"] } if w.type == "metric" })}"
  }
  assert {
    condition = {
      for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties.title => w.properties.annotations.horizontal
      if w.type == "metric" && can(w.properties.annotations)
      } == {
      "Age of oldest message (s): imgpipe-test-uploads"   = [{ label = "imgpipe-test-uploads-oldest-message-age alarm: > 900", value = 900 }]
      "Dead-letter queue depth: imgpipe-test-uploads-dlq" = [{ label = "imgpipe-test-uploads-dlq-messages-visible alarm: > 0", value = 0 }]
      "Errors"                                            = [{ label = "imgpipe-test-image-processor-errors alarm: > 0", value = 0 }]
      "Throttles"                                         = [{ label = "imgpipe-test-image-processor-throttles alarm: > 0", value = 0 }]
      "Duration (ms)"                                     = [{ label = "imgpipe-test-image-processor-duration-p95 alarm: > 48000", value = 48000 }]
    }
    error_message = "The graphs' threshold annotations are wrong: ${jsonencode({ for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties.title => w.properties.annotations if w.type == "metric" && can(w.properties.annotations) })}"
  }
  # Whatever the wording: each alarm's threshold is drawn on a graph of exactly its metric, statistic and period.
  assert {
    condition = alltrue([
      for kind, alarm in local.alarms : anytrue([
        for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : (
          w.properties.period == alarm.period
          && contains([for m in w.properties.metrics : "${m[0]} ${m[1]} ${m[2]}=${m[3]} ${m[4].stat}"], "${alarm.namespace} ${alarm.metric} ${one(keys(alarm.dimensions))}=${one(values(alarm.dimensions))} ${alarm.statistic}")
          && contains([for h in try(w.properties.annotations.horizontal, []) : h.value], alarm.threshold)
        ) if w.type == "metric"
      ])
    ])
    error_message = "Every alarm of local.alarms must have its threshold drawn on the graph of its metric, statistic and period."
  }
  assert {
    condition     = alltrue([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties.region == "eu-west-1" && w.properties.view == "timeSeries" && w.properties.stacked == false if w.type == "metric"])
    error_message = "Every graph must be a time series of the module's Region (eu-west-1), not stacked."
  }
  assert {
    condition = [for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties if w.type == "alarm"] == [{
      title  = "Alarms (runbooks: docs/operations.md#alarm-runbooks)"
      alarms = [for kind in sort(keys(local.alarms)) : aws_cloudwatch_metric_alarm.this[kind].arn]
    }]
    error_message = "The dashboard must have one alarm status widget of every alarm, pointing to the runbooks."
  }
  assert {
    condition = alltrue([
      for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.x >= 0 && w.x + w.width <= 24 && w.y >= 0 && w.height > 0
    ]) && length(distinct([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : "${w.x},${w.y}"])) == 13
    error_message = "The 13 widgets must fit the 24-column grid, each in its own place."
  }
  assert {
    condition     = aws_cloudwatch_dashboard.this.dashboard_name == "imgpipe-test-image-processor" && output.dashboard_name == aws_cloudwatch_dashboard.this.dashboard_name && output.dashboard_url == "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards:name=imgpipe-test-image-processor"
    error_message = "The dashboard must be named after the function, output dashboard_name be its name and dashboard_url its console URL: ${output.dashboard_name}, ${output.dashboard_url}"
  }
}

# GIVEN other names, namespace, service, thresholds and Region WHEN planned THEN the graphs, the thresholds
# (floor(7 s x 1000 x 0.3333) = 2333 ms, 120 s) and the URL follow them. (That each threshold is drawn on the
# graph of its alarm's metric, statistic and period is checked once, in run "dashboard_defaults".)
run "dashboard_follows_inputs" {
  command = plan

  override_data {
    target = data.aws_region.current
    values = {
      id   = "us-west-2"
      name = "us-west-2"
    }
  }

  variables {
    function_name           = "fn-b"
    queue_name              = "queue-b"
    dlq_name                = "queue-b-dead"
    metrics_namespace       = "acme/images"
    service_name            = "imgpipe-prod"
    timeout_seconds         = 7
    duration_alarm_ratio    = 0.3333
    queue_age_alarm_seconds = 120
  }

  assert {
    condition = {
      for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties.title => [for m in w.properties.metrics : "${m[0]} ${m[1]} ${m[2]}=${m[3]} ${m[4].stat}"]
      if contains(["Queue depth: queue-b", "Dead-letter queue depth: queue-b-dead", "Errors", "Images by outcome", "Retries and duplicates", "Bytes written", "Processing time per image (ms)"], w.properties.title)
      } == {
      "Queue depth: queue-b"                  = ["AWS/SQS ApproximateNumberOfMessagesVisible QueueName=queue-b Maximum", "AWS/SQS ApproximateNumberOfMessagesNotVisible QueueName=queue-b Maximum"]
      "Dead-letter queue depth: queue-b-dead" = ["AWS/SQS ApproximateNumberOfMessagesVisible QueueName=queue-b-dead Maximum"]
      "Errors"                                = ["AWS/Lambda Errors FunctionName=fn-b Sum"]
      "Images by outcome"                     = ["acme/images ImagesProcessed service=imgpipe-prod Sum", "acme/images ImagesRejected service=imgpipe-prod Sum", "acme/images ImagesFailed service=imgpipe-prod Sum"]
      "Retries and duplicates"                = ["acme/images TransientFailures service=imgpipe-prod Sum", "acme/images DuplicatesSkipped service=imgpipe-prod Sum"]
      "Bytes written"                         = ["acme/images BytesWritten service=imgpipe-prod Sum"]
      "Processing time per image (ms)"        = ["acme/images ProcessingTime service=imgpipe-prod p50", "acme/images ProcessingTime service=imgpipe-prod p95", "acme/images ProcessingTime service=imgpipe-prod p99"]
    }
    error_message = "The graphs must follow the names, the namespace and the service: ${aws_cloudwatch_dashboard.this.dashboard_body}"
  }
  assert {
    condition = {
      for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties.title => [for h in w.properties.annotations.horizontal : h.value]
      if w.type == "metric" && can(w.properties.annotations)
      } == {
      "Age of oldest message (s): queue-b"    = [120]
      "Dead-letter queue depth: queue-b-dead" = [0]
      "Errors"                                = [0]
      "Throttles"                             = [0]
      "Duration (ms)"                         = [2333]
    }
    error_message = "The thresholds drawn must be those of local.alarms for these inputs: ${jsonencode({ for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties.title => w.properties.annotations if w.type == "metric" && can(w.properties.annotations) })}"
  }
  assert {
    condition     = alltrue([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties.region == "us-west-2" if w.type == "metric"])
    error_message = "Every graph must show the module's Region (from data.aws_region), not a fixed one."
  }
  assert {
    condition     = aws_cloudwatch_dashboard.this.dashboard_name == "fn-b" && output.dashboard_url == "https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2#dashboards:name=fn-b"
    error_message = "The dashboard must be named after the function, and dashboard_url follow the Region and the name: ${output.dashboard_url}"
  }
}
