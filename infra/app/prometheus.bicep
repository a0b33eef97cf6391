metadata description = 'Prometheus as a container app: scrapes the Pushgateway over HTTPS with basic auth and honor_labels, loads the repository rules, sends alerts to the Alertmanager app, serves its UI behind the same basic auth. The TSDB stays on the container file system (never Azure Files).'

@description('Location of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the container app.')
param name string

@description('Resource ID of the Container Apps environment.')
param environmentId string

@description('Prometheus image, pinned.')
param image string

@description('FQDNs of the Pushgateway container apps: every shard is scraped.')
param pushgatewayFqdns array

@description('Basic-auth user name (Pushgateway scrape and Prometheus UI).')
@secure()
param username string

@description('Basic-auth password, used to scrape the Pushgateway.')
@secure()
param password string

@description('bcrypt hash of the password, guarding the Prometheus UI and API.')
@secure()
param passwordBcryptHash string

@description('host:port of the Alertmanager the alerts go to, in the same Container Apps environment (plain HTTP by app name).')
param alertmanagerAddress string

@description('How long samples are kept.')
param retentionTime string = '7d'

var configDirectory = '/etc/prometheus/azure'

// Generated here, not loaded from deploy/prometheus/prometheus.yml: in Azure the Pushgateway is
// reached at its FQDN over HTTPS with basic auth. honor_labels keeps the pushed job/instance labels.
// Alerts go to the internal Alertmanager app by name (alertmanager.bicep says why over plain HTTP).
var prometheusConfig = '''
global:
  scrape_interval: 15s
  evaluation_interval: 15s
rule_files:
  - {0}/recording.yml
  - {0}/alerts.yml
scrape_configs:
  - job_name: pushgateway
    honor_labels: true
    scheme: https
    basic_auth:
      username: {1}
      password_file: {0}/pushgateway-password
    static_configs:
      - targets: [{2}]
alerting:
  alertmanagers:
    - scheme: http
      static_configs:
        - targets: ['{3}']
'''

// Every Pushgateway shard, as a YAML flow sequence of quoted host names.
var scrapeTargets = join(map(pushgatewayFqdns, fqdn => '\'${fqdn}\''), ', ')

var recordingRules = loadTextContent('../../deploy/prometheus/rules/recording.yml')
var alertRules = loadTextContent('../../deploy/prometheus/rules/alerts.yml')

// Changing a secret does not start a new revision: a hash of the (non-secret) files in the template does.
var configRevision = uniqueString(prometheusConfig, recordingRules, alertRules, scrapeTargets, alertmanagerAddress, retentionTime)

resource prometheus 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        allowInsecure: false
        targetPort: 9090
        transport: 'auto'
        traffic: [
          {
            latestRevision: true
            weight: 100
          }
        ]
      }
      secrets: [
        {
          name: 'prometheus-yml'
          // Secret: carries the user name (a @secure() parameter); the rest is not secret.
          #disable-next-line use-secure-value-for-secure-inputs
          value: format(prometheusConfig, configDirectory, username, scrapeTargets, alertmanagerAddress)
        }
        {
          name: 'pushgateway-password'
          value: password
        }
        {
          name: 'web-config'
          // Composed only of @secure() parameters, so the value is as secret as they are.
          #disable-next-line use-secure-value-for-secure-inputs
          value: 'basic_auth_users:\n  ${username}: ${passwordBcryptHash}\n'
        }
        {
          name: 'recording-rules'
          // Not secret: file content mounted through a secret volume (Container Apps have no config maps).
          #disable-next-line use-secure-value-for-secure-inputs
          value: recordingRules
        }
        {
          name: 'alert-rules'
          // Not secret: file content mounted through a secret volume (Container Apps have no config maps).
          #disable-next-line use-secure-value-for-secure-inputs
          value: alertRules
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
            '--web.config.file=${configDirectory}/web-config.yml'
            // TSDB on the container's own disk: Prometheus does not support network file systems.
            '--storage.tsdb.path=/prometheus'
            '--storage.tsdb.retention.time=${retentionTime}'
            '--storage.tsdb.retention.size=1GB'
            // A 0 at each series' created time (the app pushes protobuf with created timestamps), so a new instance's
            // counts reach increase() within one scrape; it also makes Prometheus prefer the protobuf scrape protocol.
            '--enable-feature=created-timestamp-zero-ingestion'
          ]
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
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
              tcpSocket: {
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
              secretRef: 'web-config'
              path: 'web-config.yml'
            }
            {
              secretRef: 'recording-rules'
              path: 'recording.yml'
            }
            {
              secretRef: 'alert-rules'
              path: 'alerts.yml'
            }
          ]
        }
      ]
      scale: {
        minReplicas: 1
        maxReplicas: 1
      }
    }
  }
}

@description('Name of the container app.')
output name string = prometheus.name

@description('HTTPS URL of Prometheus.')
output url string = 'https://${prometheus.properties.configuration.ingress.fqdn}'
