metadata description = 'The aggregating scraper: a Prometheus server as a container app next to the Pushgateway(s). It scrapes them over HTTPS with basic auth and honor_labels, evaluates the repository recording rules on the raw per-instance series, keeps those series a few hours on its own disk, and remote-writes to the Azure Monitor workspace with its user-assigned managed identity (azuread) only what the dashboard and the alerts read: the job-level recorded series, a few recorded health series per instance, the gateway up and its own remote-write and rule health. No ingress.'

@description('Location of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the container app.')
param name string

@description('Resource ID of the Container Apps environment.')
param environmentId string

@description('Prometheus image, pinned; newer than 2.45 (the azuread managed identity remote-write client) and 2.50 (created-timestamp ingestion).')
param image string

@description('FQDNs of the Pushgateway container apps to scrape (every shard).')
param pushgatewayFqdns array

@description('Basic-auth user name of the Pushgateway.')
@secure()
param username string

@description('Basic-auth password of the Pushgateway.')
@secure()
param password string

@description('Resource ID of the user-assigned identity the scraper runs as.')
param identityId string

@description('Client ID of that identity: remote write authenticates with it.')
param identityClientId string

@description('Remote-write URL of the workspace (data collection endpoint and rule).')
param remoteWriteUrl string

@description('Most Function App instances at once: the head holds every raw series of the last 2-3 hours, so the size follows the fleet (docs/metrics-backends.md).')
param maximumInstances int

// Its head holds every raw series of the last 2-3 hours, as a self-hosted Prometheus at the same fleet does, so memory
// follows the fleet. The three sizes and their bounds (100 and 500 instances) are derived in docs/metrics-backends.md
// from the head measured in docs/fleet.md.
var cores = maximumInstances > 500 ? '2.0' : maximumInstances > 100 ? '1.0' : '0.5'
var memory = maximumInstances > 500 ? '4Gi' : maximumInstances > 100 ? '2Gi' : '1Gi'

var configDirectory = '/etc/prometheus/azure'

// Same scrape job as infra/app/prometheus.bicep, plus the scraper's own /metrics (only its remote-storage and rule
// metrics), the repository's recording rules and a remote write restricted to what the workspace reads:
// - job-level recorded series (job*, gateway, pushgateway and scraper levels), whatever instance churn does;
// - per instance, the recorded series a panel or an alert shows per instance: pool, memory and CPU of live instances,
//   push age, and, only while they happen, a graceful stop, push failures and a refused push;
// - the gateway's own up, the only raw series (PushgatewayDown).
// Everything it writes carries replica: its Container Apps revision (expanded from the environment by Prometheus), so
// that a new revision overlapping the old one writes series of its own, which every query collapses with
// max without (replica); a restart within a revision continues the same series.
// In format(): {0} configuration directory, {1} user name, {2} targets, {3} remote-write URL, {4} client id; {{ }} are
// literal braces. The tests render this very text (tests/PaymentFunctions.Observability.Tests).
var scraperConfig = '''
global:
  scrape_interval: 15s
  evaluation_interval: 15s
  external_labels:
    replica: ${{CONTAINER_APP_REVISION}}
rule_files:
  - {0}/recording.yml
  - {0}/scraper.yml
scrape_configs:
  - job_name: pushgateway
    honor_labels: true
    scheme: https
    basic_auth:
      username: {1}
      password_file: {0}/pushgateway-password
    static_configs:
      - targets: [{2}]
  - job_name: aggregating-scraper
    static_configs:
      - targets: ['localhost:9090']
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: 'prometheus_(remote_storage|rule)_.+'
        action: keep
remote_write:
  - url: '{3}'
    azuread:
      cloud: AzurePublic
      managed_identity:
        client_id: '{4}'
    metadata_config:
      send: false
    write_relabel_configs:
      - source_labels: [__name__, job]
        regex: '((job|job_[a-z_]+|gateway|pushgateway|scraper):[a-z0-9_]+:[a-z0-9_]+|instance:(metric_push_age:seconds|memory_usage:ratio|cpu_usage_percent:avg|metric_push_final_timestamp_seconds:finished|metric_push_failures:increase10m|push_failure_time_seconds:rejected)|pool:database_connections_usage:ratio);.*|up;pushgateway'
        action: keep
'''

var targets = join(map(pushgatewayFqdns, fqdn => '\'${fqdn}\''), ', ')

// One source with the self-hosted Prometheus and the generated rule groups.
var recordingRules = loadTextContent('../../deploy/prometheus/rules/recording.yml')
var scraperRules = loadTextContent('../../deploy/prometheus/rules/scraper.yml')

// Changing a secret does not start a new revision: a hash of the (non-secret) files in the template does.
var configRevision = uniqueString(scraperConfig, recordingRules, scraperRules, targets, remoteWriteUrl, identityClientId)

resource scraper 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      secrets: [
        {
          name: 'prometheus-yml'
          // Secret: carries the user name (a @secure() parameter); the rest is not secret.
          #disable-next-line use-secure-value-for-secure-inputs
          value: format(scraperConfig, configDirectory, username, targets, remoteWriteUrl, identityClientId)
        }
        {
          name: 'pushgateway-password'
          value: password
        }
        {
          name: 'recording-rules'
          // Not secret: file content mounted through a secret volume (Container Apps have no config maps).
          #disable-next-line use-secure-value-for-secure-inputs
          value: recordingRules
        }
        {
          name: 'scraper-rules'
          // Not secret: file content mounted through a secret volume (Container Apps have no config maps).
          #disable-next-line use-secure-value-for-secure-inputs
          value: scraperRules
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'prometheus'
          image: image
          env: [
            {
              name: 'CONFIG_REVISION'
              value: configRevision
            }
          ]
          args: [
            '--config.file=${configDirectory}/prometheus.yml'
            // The raw series stay here: a few hours, on the container's own disk (never Azure Files: Prometheus does not
            // support network file systems; the head block holds 2-3 hours anyway). A restart loses them and only them:
            // what the workspace needs was written already.
            '--storage.tsdb.path=/prometheus'
            '--storage.tsdb.retention.time=6h'
            '--storage.tsdb.retention.size=2GB'
            // A 0 at each series' created time (the app pushes protobuf with created timestamps), so a new instance's
            // counts reach the recorded rates within one scrape; it also makes Prometheus prefer the protobuf scrape protocol.
            '--enable-feature=created-timestamp-zero-ingestion'
          ]
          resources: {
            cpu: json(cores)
            memory: memory
          }
          volumeMounts: [
            {
              volumeName: 'config'
              mountPath: configDirectory
            }
          ]
          probes: [
            {
              type: 'Liveness'
              tcpSocket: {
                port: 9090
              }
              periodSeconds: 30
            }
            {
              type: 'Readiness'
              httpGet: {
                path: '/-/ready'
                port: 9090
              }
              periodSeconds: 10
            }
          ]
        }
      ]
      volumes: [
        {
          name: 'config'
          storageType: 'Secret'
          secrets: [
            {
              secretRef: 'prometheus-yml'
              path: 'prometheus.yml'
            }
            {
              secretRef: 'pushgateway-password'
              path: 'pushgateway-password'
            }
            {
              secretRef: 'recording-rules'
              path: 'recording.yml'
            }
            {
              secretRef: 'scraper-rules'
              path: 'scraper.yml'
            }
          ]
        }
      ]
      scale: {
        // One scraper per revision: two would write every series twice. A new revision overlaps the old one for a
        // while; the replica label keeps their series apart.
        minReplicas: 1
        maxReplicas: 1
      }
    }
  }
}

@description('Name of the container app.')
output name string = scraper.name
