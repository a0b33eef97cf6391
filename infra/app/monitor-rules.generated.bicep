// GENERATED from deploy/prometheus/rules/*.yml by `dotnet run --project src/PaymentFunctions.RuleGroups`. Do not edit: change the YAML and run that command.
// The infrastructure tests fail when this file and the YAML differ.

metadata description = 'The repository recording and alert rules as Azure Monitor Prometheus rule groups on the workspace, each where it runs (recording rules on the raw path only); alerts go to the action group.'

@description('Location of the rule groups (the workspace region).')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Resource ID of the Azure Monitor workspace the rules read from and record into.')
param workspaceId string

@description('Resource ID of the action group every alert notifies.')
param actionGroupId string

@description('True on the raw path (the Prometheus agent remote-writes raw series): the workspace evaluates the recording rules. False on the aggregated path: the aggregating scraper records them, and only the alerts run here.')
param recordInWorkspace bool

resource ruleGroupPaymentFunctionsAlerts 'Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01' = {
  name: 'payment-functions.alerts'
  location: location
  tags: tags
  properties: {
    description: 'Generated from deploy/prometheus/rules/alerts.yml, group payment-functions.alerts.'
    scopes: [
      workspaceId
    ]
    enabled: true
    interval: 'PT1M'
    rules: [
      {
        alert: 'HighErrorRate'
        expression: 'max without (replica) (job_severity:errors:rate5m{severity="high"}) > 0.1'
        for: 'PT2M'
        severity: 0
        labels: {
          severity: 'critical'
        }
        annotations: {
          summary: 'High-severity payment errors above 0.1/s'
          description: '{{ $labels.job }} records {{ printf "%.2f" $value }} high-severity errors per second (failed payments above 1000 USD) over 5 minutes.'
        }
        actions: [
          {
            actionGroupId: actionGroupId
          }
        ]
        enabled: true
      }
      {
        alert: 'PaymentSuccessRateLow'
        expression: 'max without (replica) (job:payment_success_ratio:rate5m) < 0.95'
        for: 'PT5M'
        severity: 0
        labels: {
          severity: 'critical'
        }
        annotations: {
          summary: 'Payment success rate below 95 %'
          description: 'Only {{ $value | humanizePercentage }} of the payment attempts of {{ $labels.job }} succeeded over the last 5 minutes.'
        }
        actions: [
          {
            actionGroupId: actionGroupId
          }
        ]
        enabled: true
      }
      {
        alert: 'DatabaseConnectionsHigh'
        expression: 'max without (replica) (pool:database_connections_usage:ratio) > 0.9'
        for: 'PT5M'
        severity: 2
        labels: {
          severity: 'warning'
        }
        annotations: {
          summary: 'Database pool above 90 % of its maximum'
          description: 'Pool {{ $labels.pool }} of {{ $labels.database }} on {{ $labels.instance }} uses {{ $value | humanizePercentage }} of its maximum connections.'
        }
        actions: [
          {
            actionGroupId: actionGroupId
          }
        ]
        enabled: true
      }
      {
        alert: 'HighResponseTime'
        expression: 'max without (replica) (gateway:payment_duration_seconds:mean5m) > 2'
        for: 'PT5M'
        severity: 2
        labels: {
          severity: 'warning'
        }
        annotations: {
          summary: 'Mean payment latency above 2 s'
          description: 'Payments through gateway {{ $labels.gateway }} took {{ $value | humanizeDuration }} on average over the last 5 minutes.'
        }
        actions: [
          {
            actionGroupId: actionGroupId
          }
        ]
        enabled: true
      }
      {
        alert: 'MemoryUsageHigh'
        expression: 'max without (replica) (instance:memory_usage:ratio) > 0.85'
        for: 'PT5M'
        severity: 2
        labels: {
          severity: 'warning'
        }
        annotations: {
          summary: 'Memory usage above 85 %'
          description: '{{ $labels.instance }} uses {{ $value | humanizePercentage }} of its memory.'
        }
        actions: [
          {
            actionGroupId: actionGroupId
          }
        ]
        enabled: true
      }
      {
        alert: 'PaymentRequestsRejected'
        expression: '''
max without (replica) (job:payment_rejected_ratio:rate5m) > 0.1
  and on (job)
sum by (job) (max without (replica) (job_cause:payment_rejected_requests:rate5m)) >= 0.01
'''
        for: 'PT5M'
        severity: 2
        labels: {
          severity: 'warning'
        }
        annotations: {
          summary: 'More than 10 % of payment requests rejected as invalid'
          description: '{{ $value | humanizePercentage }} of the payment requests to {{ $labels.job }} were answered 400 over the last 5 minutes (malformed, too large or a field outside the allow-lists): a broken client or a probe. See the Rejected requests by cause panel.'
        }
        actions: [
          {
            actionGroupId: actionGroupId
          }
        ]
        enabled: true
      }
    ]
  }
}

resource ruleGroupPaymentFunctionsPushHealthAlerts 'Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01' = {
  name: 'payment-functions.push-health-alerts'
  location: location
  tags: tags
  properties: {
    description: 'Generated from deploy/prometheus/rules/alerts.yml, group payment-functions.push-health-alerts.'
    scopes: [
      workspaceId
    ]
    enabled: true
    interval: 'PT1M'
    rules: [
      {
        alert: 'MetricPushStale'
        expression: '''
max without (replica) (instance:metric_push_age:seconds) > 5 * 60
  unless on (job, instance) instance:metric_push_final_timestamp_seconds:finished
  unless on () pushgateway:up:min15m == 0
'''
        for: 'PT1M'
        severity: 2
        labels: {
          severity: 'warning'
        }
        annotations: {
          summary: 'An instance stopped pushing metrics 5 minutes ago without a final push'
          description: 'The Pushgateway last accepted a push from {{ $labels.instance }} ({{ $labels.job }}) {{ $value | humanizeDuration }} ago, and no final push: the instance was killed, hangs or cannot reach the gateway; its counters stay frozen until the janitor deletes its group.'
        }
        actions: [
          {
            actionGroupId: actionGroupId
          }
        ]
        enabled: true
      }
      {
        alert: 'MetricPushAllStale'
        expression: 'min by (job) (instance:metric_push_age:seconds) > 10 * 60'
        for: 'PT1M'
        severity: 0
        labels: {
          severity: 'critical'
        }
        annotations: {
          summary: 'No instance pushed metrics for 10 minutes'
          description: 'The newest push of {{ $labels.job }} is {{ $value | humanizeDuration }} old: the app is down or cannot reach the Pushgateway.'
        }
        actions: [
          {
            actionGroupId: actionGroupId
          }
        ]
        enabled: true
      }
      {
        alert: 'MetricPushAbsent'
        expression: '''
absent_over_time(job:instances_live:count[2m])
  and on ()
count(up{job="pushgateway"} == 1) > 0
'''
        for: 'PT10M'
        severity: 0
        labels: {
          severity: 'critical'
        }
        annotations: {
          summary: 'No PaymentFunctions metrics in the Pushgateway'
          description: 'No instance of the app has a group in the Pushgateway: it never pushed, or every group was deleted.'
        }
        actions: [
          {
            actionGroupId: actionGroupId
          }
        ]
        enabled: true
      }
      {
        alert: 'MetricPushFailing'
        expression: '''
max without (replica) (instance:metric_push_failures:increase10m) > 2
  unless on () pushgateway:up:min15m == 0
'''
        for: 'PT1M'
        severity: 2
        labels: {
          severity: 'warning'
        }
        annotations: {
          summary: 'Metric pushes are failing'
          description: '{{ $labels.instance }} had {{ $value | humanize }} failed push attempts ({{ $labels.reason }}) in the last 10 minutes; its metrics arrive late or not at all.'
        }
        actions: [
          {
            actionGroupId: actionGroupId
          }
        ]
        enabled: true
      }
      {
        alert: 'MetricPushRejected'
        expression: 'max without (replica) (instance:push_failure_time_seconds:rejected)'
        for: 'PT2M'
        severity: 2
        labels: {
          severity: 'warning'
        }
        annotations: {
          summary: 'The Pushgateway rejects a group\'s pushes'
          description: 'The last push to group {{ $labels.job }}/{{ $labels.instance }} failed at the gateway (for example an inconsistent metric, HTTP 400); it serves the older content.'
        }
        actions: [
          {
            actionGroupId: actionGroupId
          }
        ]
        enabled: true
      }
      {
        alert: 'PushgatewayDown'
        expression: '''
max without (replica) (up{job="pushgateway"}) == 0
  or
(absent(up{job="pushgateway"}) unless on () count(last_over_time(scraper:remote_write_samples:rate5m[1d])))
'''
        for: 'PT2M'
        severity: 0
        labels: {
          severity: 'critical'
        }
        annotations: {
          summary: 'Prometheus cannot scrape the Pushgateway'
          description: 'No metric of the function instances that push to {{ $labels.instance }} reaches Prometheus while it is down (with shards, the instances whose id hashes to it).'
        }
        actions: [
          {
            actionGroupId: actionGroupId
          }
        ]
        enabled: true
      }
    ]
  }
}

resource ruleGroupPaymentFunctionsBusiness 'Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01' = if (recordInWorkspace) {
  name: 'payment-functions.business'
  location: location
  tags: tags
  properties: {
    description: 'Generated from deploy/prometheus/rules/recording.yml, group payment-functions.business.'
    scopes: [
      workspaceId
    ]
    enabled: true
    interval: 'PT1M'
    rules: [
      {
        record: 'job:payment_success_ratio:rate5m'
        expression: '''
(
  sum by (job) (rate(payment_requests_total{status="success"}[5m]))
    or
  0 * sum by (job) (rate(payment_requests_total[5m]))
)
  /
sum by (job) (rate(payment_requests_total[5m]))
'''
        enabled: true
      }
      {
        record: 'gateway:payment_duration_seconds:mean5m'
        expression: '''
sum by (gateway) (rate(payment_duration_seconds_sum[5m]))
  /
sum by (gateway) (rate(payment_duration_seconds_count[5m]))
'''
        enabled: true
      }
      {
        record: 'gateway:payment_duration_seconds_sum:rate5m'
        expression: 'sum by (gateway) (rate(payment_duration_seconds_sum[5m]))'
        enabled: true
      }
      {
        record: 'gateway:payment_duration_seconds_count:rate5m'
        expression: 'sum by (gateway) (rate(payment_duration_seconds_count[5m]))'
        enabled: true
      }
      {
        record: 'job_status:payment_requests:rate5m'
        expression: 'sum by (job, status) (rate(payment_requests_total[5m]))'
        enabled: true
      }
      {
        record: 'job_severity:errors:rate5m'
        expression: 'sum by (job, severity) (rate(errors_total[5m]))'
        enabled: true
      }
      {
        record: 'job:payment_high_value_ratio:rate5m'
        expression: '''
1 - (
  sum by (job) (rate(payment_amount_usd_bucket{le=~"1000(\\.0)?"}[5m]))
    /
  sum by (job) (rate(payment_amount_usd_count[5m]))
)
'''
        enabled: true
      }
      {
        record: 'job_le:payment_amount_usd_bucket:rate5m'
        expression: 'sum by (job, le) (rate(payment_amount_usd_bucket[5m]))'
        enabled: true
      }
      {
        record: 'job:payment_amount_usd_count:rate5m'
        expression: 'sum by (job) (rate(payment_amount_usd_count[5m]))'
        enabled: true
      }
      {
        record: 'job_cause:payment_rejected_requests:rate5m'
        expression: 'sum by (job, cause) (rate(payment_rejected_requests_total[5m]))'
        enabled: true
      }
      {
        record: 'job:payment_rejected_ratio:rate5m'
        expression: '''
sum by (job) (rate(payment_rejected_requests_total[5m]))
  /
(
  sum by (job) (rate(payment_rejected_requests_total[5m]))
    +
  sum by (job) (rate(payment_requests_total[5m]))
)
'''
        enabled: true
      }
    ]
  }
}

resource ruleGroupPaymentFunctionsResources 'Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01' = if (recordInWorkspace) {
  name: 'payment-functions.resources'
  location: location
  tags: tags
  properties: {
    description: 'Generated from deploy/prometheus/rules/recording.yml, group payment-functions.resources.'
    scopes: [
      workspaceId
    ]
    enabled: true
    interval: 'PT1M'
    rules: [
      {
        record: 'instance:push_age_seconds:fresh'
        expression: '''
timestamp(push_time_seconds) - push_time_seconds < 30
  unless on (job, instance) metric_push_final_timestamp_seconds > 0
'''
        enabled: true
      }
      {
        record: 'pool:database_connections_usage:ratio'
        expression: '''
(
  max by (job, instance, database, pool) (database_connections_active)
    /
  max by (job, instance, database, pool) (database_connections_max)
)
  and on (job, instance) instance:push_age_seconds:fresh
'''
        enabled: true
      }
      {
        record: 'instance:memory_usage:ratio'
        expression: '''
(
  sum without (type) (memory_usage_bytes{type="used"})
    /
  sum without (type) (memory_usage_bytes{type="total"})
)
  and on (job, instance) instance:push_age_seconds:fresh
'''
        enabled: true
      }
      {
        record: 'instance:cpu_usage_percent:avg'
        expression: '''
avg without (core) (cpu_usage_percent)
  and on (job, instance) instance:push_age_seconds:fresh
'''
        enabled: true
      }
      {
        record: 'job:instances_live:count'
        expression: '''
count by (job) (
  instance:push_age_seconds:fresh and on (job, instance) metric_push_last_success_timestamp_seconds
)
  or
0 * count by (job) (metric_push_last_success_timestamp_seconds)
'''
        enabled: true
      }
      {
        record: 'job:instances_started:count10m'
        expression: '''
count by (job) (
  max_over_time(process_start_time_seconds[10m]) > time() - 600
    and on (job, instance)
  max_over_time(metric_push_last_success_timestamp_seconds[10m])
)
  or
0 * count by (job) (process_start_time_seconds and on (job, instance) metric_push_last_success_timestamp_seconds)
'''
        enabled: true
      }
    ]
  }
}

resource ruleGroupPaymentFunctionsFunctions 'Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01' = if (recordInWorkspace) {
  name: 'payment-functions.functions'
  location: location
  tags: tags
  properties: {
    description: 'Generated from deploy/prometheus/rules/recording.yml, group payment-functions.functions.'
    scopes: [
      workspaceId
    ]
    enabled: true
    interval: 'PT1M'
    rules: [
      {
        record: 'job_function_outcome:function_invocations:rate5m'
        expression: 'sum by (job, function, outcome) (rate(function_invocations_total[5m]))'
        enabled: true
      }
      {
        record: 'job_function_le:function_duration_seconds_bucket:rate5m'
        expression: 'sum by (job, function, le) (rate(function_duration_seconds_bucket[5m]))'
        enabled: true
      }
      {
        record: 'job_function:function_cold_starts:sum10m'
        expression: 'sum by (job, function) (max_over_time(function_cold_starts_total[10m]))'
        enabled: true
      }
    ]
  }
}

resource ruleGroupPaymentFunctionsPushHealth 'Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01' = if (recordInWorkspace) {
  name: 'payment-functions.push-health'
  location: location
  tags: tags
  properties: {
    description: 'Generated from deploy/prometheus/rules/recording.yml, group payment-functions.push-health.'
    scopes: [
      workspaceId
    ]
    enabled: true
    interval: 'PT1M'
    rules: [
      {
        record: 'instance:metric_push_age:seconds'
        expression: '''
time() - max by (job, instance) (
  push_time_seconds and on (job, instance) metric_push_last_success_timestamp_seconds
)
'''
        enabled: true
      }
      {
        record: 'pushgateway:up:min15m'
        expression: 'min_over_time(up{job="pushgateway"}[15m])'
        enabled: true
      }
      {
        record: 'instance:metric_push_failures:increase10m'
        expression: 'floor(sum by (job, instance, reason) (increase(metric_push_failures_total[10m]))) > 0'
        enabled: true
      }
      {
        record: 'instance:metric_push_final_timestamp_seconds:finished'
        expression: 'max by (job, instance) (metric_push_final_timestamp_seconds) > 0'
        enabled: true
      }
      {
        record: 'instance:push_failure_time_seconds:rejected'
        expression: 'max by (job, instance) (push_failure_time_seconds > push_time_seconds)'
        enabled: true
      }
    ]
  }
}

resource ruleGroupPaymentFunctionsScraperHealthAlerts 'Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01' = if (!recordInWorkspace) {
  name: 'payment-functions.scraper-health-alerts'
  location: location
  tags: tags
  properties: {
    description: 'Generated from deploy/prometheus/rules/scraper.yml, group payment-functions.scraper-health-alerts.'
    scopes: [
      workspaceId
    ]
    enabled: true
    interval: 'PT1M'
    rules: [
      {
        alert: 'AggregatingScraperSilent'
        expression: 'absent(scraper:remote_write_samples:rate5m)'
        for: 'PT5M'
        severity: 0
        labels: {
          severity: 'critical'
        }
        annotations: {
          summary: 'Nothing of the aggregating scraper reaches the workspace'
          description: 'No sample of the aggregating scraper arrived for 10 minutes: it is down, or the workspace refuses its remote write. Every panel and alert of the workspace is blind meanwhile. Its container log names the cause ("non-recoverable error", "Failed to send batch").'
        }
        actions: [
          {
            actionGroupId: actionGroupId
          }
        ]
        enabled: true
      }
      {
        alert: 'RemoteWriteSamplesLost'
        expression: 'max without (replica) (scraper:remote_write_samples_failed:increase10m) > 0'
        severity: 0
        labels: {
          severity: 'critical'
        }
        annotations: {
          summary: 'The workspace refuses samples of the aggregating scraper'
          description: '{{ $value | humanize }} samples were refused for good by the workspace in the last 10 minutes and are lost. The scraper\'s container log names the answer ("non-recoverable error").'
        }
        actions: [
          {
            actionGroupId: actionGroupId
          }
        ]
        enabled: true
      }
      {
        alert: 'RemoteWriteBehind'
        expression: 'max without (replica) (scraper:remote_write_lag:seconds) > 120'
        for: 'PT5M'
        severity: 2
        labels: {
          severity: 'warning'
        }
        annotations: {
          summary: 'The aggregating scraper\'s remote write is behind'
          description: 'The newest sample the workspace accepted is {{ $value | humanizeDuration }} older than the newest the scraper wrote: the workspace\'s panels and alerts lag by as much. See the Remote-write queue panel for retries and backlog.'
        }
        actions: [
          {
            actionGroupId: actionGroupId
          }
        ]
        enabled: true
      }
      {
        alert: 'AggregatingScraperRulesFailing'
        expression: 'max without (replica) (scraper:rule_evaluation_failures:increase10m) > 0'
        for: 'PT5M'
        severity: 2
        labels: {
          severity: 'warning'
        }
        annotations: {
          summary: 'Recording rules of the aggregating scraper fail'
          description: '{{ $value | humanize }} rule evaluations failed or were skipped in the last 10 minutes: the workspace\'s series have holes. The scraper\'s container log names the rule.'
        }
        actions: [
          {
            actionGroupId: actionGroupId
          }
        ]
        enabled: true
      }
    ]
  }
}
