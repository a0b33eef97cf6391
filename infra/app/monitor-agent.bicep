metadata description = 'Prometheus in agent mode as a container app: scrapes the Pushgateway(s) over HTTPS with basic auth and honor_labels, and remote-writes everything to the Azure Monitor workspace with its user-assigned managed identity (azuread). No rules, no TSDB, no ingress: the workspace keeps the history and evaluates the rules.'

@description('Location of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the container app.')
param name string

@description('Resource ID of the Container Apps environment.')
param environmentId string

@description('Prometheus image, pinned; newer than 2.45 (the azuread managed identity remote-write client) and 3.x (the --agent flag).')
param image string

@description('FQDNs of the Pushgateway container apps to scrape (the same targets the self-hosted Prometheus scrapes).')
param pushgatewayFqdns array

@description('Basic-auth user name of the Pushgateway.')
@secure()
param username string

@description('Basic-auth password of the Pushgateway.')
@secure()
param password string

@description('Resource ID of the user-assigned identity the agent runs as.')
param identityId string

@description('Client ID of that identity: remote write authenticates with it.')
param identityClientId string

@description('Remote-write URL of the workspace (data collection endpoint and rule).')
param remoteWriteUrl string

var configDirectory = '/etc/prometheus/azure'

// Same scrape job as infra/app/prometheus.bicep. The only credential is the Pushgateway password, in a file; the
// workspace is reached with the managed identity (Entra ID tokens fetched by Prometheus itself), never with a key.
var agentConfig = '''
global:
  scrape_interval: 15s
scrape_configs:
  - job_name: pushgateway
    honor_labels: true
    scheme: https
    basic_auth:
      username: {1}
      password_file: {0}/pushgateway-password
    static_configs:
      - targets: [{2}]
remote_write:
  - url: '{3}'
    azuread:
      cloud: AzurePublic
      managed_identity:
        client_id: '{4}'
'''

var targets = join(map(pushgatewayFqdns, fqdn => '\'${fqdn}\''), ', ')

var configRevision = uniqueString(agentConfig, targets, remoteWriteUrl, identityClientId)

resource agent 'Microsoft.App/containerApps@2025-01-01' = {
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
          value: format(agentConfig, configDirectory, username, targets, remoteWriteUrl, identityClientId)
        }
        {
          name: 'pushgateway-password'
          value: password
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'prometheus-agent'
          image: image
          env: [
            {
              name: 'CONFIG_REVISION'
              value: configRevision
            }
          ]
          args: [
            '--config.file=${configDirectory}/prometheus.yml'
            '--agent'
            // Write-ahead log only, on the container's own disk: what is not yet sent is lost with the replica.
            '--storage.agent.path=/prometheus'
            // A 0 at each series' created time (the app pushes protobuf with created timestamps), so a new instance's
            // counts reach increase() within one scrape; it also makes Prometheus prefer the protobuf scrape protocol.
            '--enable-feature=created-timestamp-zero-ingestion'
          ]
          // As the self-hosted Prometheus: enough for tens of instances; at 1,000 see docs/metrics-backends.md.
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
          ]
        }
      ]
      scale: {
        // One agent: two would write every sample twice (and bill it twice).
        minReplicas: 1
        maxReplicas: 1
      }
    }
  }
}

@description('Name of the container app.')
output name string = agent.name
