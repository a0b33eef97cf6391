metadata description = 'Prometheus Pushgateway (official image) as one container app per shard: HTTPS-only external ingress, basic auth through --web.config.file (a secret volume), and groups persisted to an Azure Files share (one file per shard).'

@description('Location of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the container app (of the first shard; the others get -1, -2, ...).')
param name string

@description('Pushgateways to deploy: the Function App shards its instances over them by instance id (MetricPush__Url lists them all) and Prometheus scrapes every one. One (1 vCPU) carries 1,000 instances pushing every second within the push p99 of 50 ms (docs/scale.md).')
@minValue(1)
@maxValue(8)
param shardCount int = 1

@description('Resource ID of the Container Apps environment.')
param environmentId string

@description('Environment storage (Azure Files) that holds the persistence file.')
param environmentStorageName string

@description('Pushgateway image, pinned.')
param image string

@description('Basic-auth user name.')
@secure()
param username string

@description('bcrypt hash of the basic-auth password (the Pushgateway never sees the password itself).')
@secure()
param passwordBcryptHash string

@description('Minimum replicas; 1 keeps the groups in memory between pushes. Never more than one replica: the persistence file has a single writer.')
@minValue(0)
@maxValue(1)
param minReplicas int = 1

var webConfigDirectory = '/etc/pushgateway'
var dataDirectory = '/data'

// The repository's start script (compose runs the same file): the groups are written to the share only on a clean stop
// and loaded only after one, so a crashed gateway never serves counters older than Prometheus scraped (docs/faults.md).
var startScript = loadTextContent('../../deploy/pushgateway/start.sh')

resource pushgateway 'Microsoft.App/containerApps@2025-01-01' = [for shard in range(0, shardCount): {
  // The first shard keeps the name (and persistence file) of a single gateway, so adding shards leaves it in place.
  name: shard == 0 ? name : '${name}-${shard}'
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
        targetPort: 9091
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
          // The whole --web.config.file: bcrypt-hashed basic-auth users.
          name: 'web-config'
          // Composed only of @secure() parameters, so the value is as secret as they are.
          #disable-next-line use-secure-value-for-secure-inputs
          value: 'basic_auth_users:\n  ${username}: ${passwordBcryptHash}\n'
        }
        {
          name: 'start-script'
          // Not secret: file content mounted through a secret volume (Container Apps have no config maps).
          #disable-next-line use-secure-value-for-secure-inputs
          value: startScript
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'pushgateway'
          image: image
          // start.sh STORE: persists to STORE on the share, written on SIGTERM only, discarded after any other end.
          command: [
            '/bin/sh'
            '${webConfigDirectory}/start.sh'
            '${dataDirectory}/${shard == 0 ? 'pushgateway' : 'pushgateway-${shard}'}.store'
          ]
          args: [
            '--web.config.file=${webConfigDirectory}/web-config.yml'
            // By default every push is checked against everything the gateway holds: O(total series) per push, so
            // 1,000 groups of this app's payload give 4 pushes/s (p99 631 ms); without the check 2,567 pushes/s
            // (p99 7 ms). Without the check a conflicting type is accepted and fails every scrape: the app's metric
            // catalogue is pinned by MetricContractTests, and DeployConsistencyTests shows what a deploy may change.
            '--push.disable-consistency-check'
          ]
          // Sized for its shard of 1,000 instances (main.bicep gives one shard per 1,000): on a core of its own with
          // one Go thread, 1,000 groups pushing protobuf every second took about a third of the core and kept the push
          // p99 at 20-25 ms, scrapes under 0.7 s, 290 MiB resident. 1 vCPU / 2 GiB (a valid Consumption pair) leaves
          // memory headroom for GC, scrape buffers and the persistence file written at a clean stop (docs/scale.md).
          resources: {
            cpu: json('1.0')
            memory: '2Gi'
          }
          env: [
            {
              // One Go thread per vCPU. Go before 1.25 sizes its scheduler to the host's cores, not the container's
              // quota: on a many-core host the gateway bursts past its 1 vCPU and is throttled for the rest of each
              // period, and pushes wait the throttle out. Measured with one thread per gateway (docs/scale.md).
              name: 'GOMAXPROCS'
              value: '1'
            }
          ]
          volumeMounts: [
            {
              volumeName: 'web-config'
              mountPath: webConfigDirectory
            }
            {
              volumeName: 'persistence'
              mountPath: dataDirectory
            }
          ]
          // Every HTTP endpoint is behind basic auth, so the probes are TCP.
          probes: [
            {
              type: 'Liveness'
              tcpSocket: {
                port: 9091
              }
              periodSeconds: 30
            }
            {
              type: 'Readiness'
              tcpSocket: {
                port: 9091
              }
              periodSeconds: 10
            }
          ]
        }
      ]
      volumes: [
        {
          name: 'web-config'
          storageType: 'Secret'
          secrets: [
            {
              secretRef: 'web-config'
              path: 'web-config.yml'
            }
            {
              secretRef: 'start-script'
              path: 'start.sh'
            }
          ]
        }
        {
          name: 'persistence'
          storageType: 'AzureFile'
          storageName: environmentStorageName
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: 1
      }
    }
  }
}]

@description('Names of the container apps, one per shard.')
output names array = [for shard in range(0, shardCount): pushgateway[shard].name]

@description('FQDNs of the ingresses, one per shard, in shard order.')
output fqdns array = [for shard in range(0, shardCount): pushgateway[shard].properties.configuration.ingress.fqdn]

@description('HTTPS base URLs of the Pushgateway shards, in shard order (MetricPush__Url lists them comma-separated).')
output urls array = [for shard in range(0, shardCount): 'https://${pushgateway[shard].properties.configuration.ingress.fqdn}']
