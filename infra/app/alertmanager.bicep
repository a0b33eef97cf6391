metadata description = 'Alertmanager as a container app (self-hosted backend): runs deploy/alertmanager/alertmanager.yml as it is, posts every alert to the webhook, and is reached only from inside the Container Apps environment (Prometheus sends to it by app name).'

@description('Location of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the container app; the other apps of the environment reach it at http://<name>.')
param name string

@description('Resource ID of the Container Apps environment.')
param environmentId string

@description('Alertmanager image, pinned.')
param image string

@description('The webhook every alert goes to; written at start-up to the url_file alertmanager.yml reads.')
@secure()
param webhookUrl string

// The one Alertmanager configuration of the repository (compose runs the same file).
var alertmanagerConfig = loadTextContent('../../deploy/alertmanager/alertmanager.yml')

// Changing a secret does not start a new revision: a hash of the (non-secret) configuration does.
var configRevision = uniqueString(alertmanagerConfig)

resource alertmanager 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      // Internal: only apps of this environment reach it. Prometheus calls it by app name, http://<name> (port 80 of the
      // environment's ingress); the traffic never leaves the environment. allowInsecure lets that plain HTTP through:
      // without it the ingress answers HTTP with a redirect to HTTPS, which turns the alert POSTs into GETs that
      // deliver nothing. The infrastructure tests accept allowInsecure: true only together with external: false.
      ingress: {
        external: false
        allowInsecure: true
        targetPort: 9093
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
          name: 'alertmanager-yml'
          // Not secret: file content mounted through a secret volume (Container Apps have no config maps).
          #disable-next-line use-secure-value-for-secure-inputs
          value: alertmanagerConfig
        }
        {
          name: 'alert-webhook-url'
          value: webhookUrl
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'alertmanager'
          image: image
          env: [
            {
              name: 'CONFIG_REVISION'
              value: configRevision
            }
            {
              name: 'ALERT_WEBHOOK_URL'
              secretRef: 'alert-webhook-url'
            }
          ]
          // As in docker-compose.yml: the URL goes from the secret to a file only the container user reads, never into
          // alertmanager.yml (which names it with url_file). Clustering is off: there is exactly one replica.
          // --storage.path is the container's own disk: silences and the notification log are lost on restart (a
          // restart can repeat a notification; silences must be set again).
          command: [
            '/bin/sh'
            '-c'
          ]
          args: [
            'umask 077 && printf \'%s\' "$ALERT_WEBHOOK_URL" > /alertmanager/webhook-url && exec /bin/alertmanager --config.file=/etc/alertmanager/alertmanager.yml --storage.path=/alertmanager --cluster.listen-address='
          ]
          resources: {
            cpu: json('0.25')
            memory: '0.5Gi'
          }
          volumeMounts: [
            {
              volumeName: 'config'
              mountPath: '/etc/alertmanager'
            }
          ]
          probes: [
            {
              type: 'Liveness'
              tcpSocket: {
                port: 9093
              }
              periodSeconds: 30
            }
            {
              type: 'Readiness'
              tcpSocket: {
                port: 9093
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
              secretRef: 'alertmanager-yml'
              path: 'alertmanager.yml'
            }
          ]
        }
      ]
      // One replica: without clustering, two would each notify, and silences would live in one of them only.
      scale: {
        minReplicas: 1
        maxReplicas: 1
      }
    }
  }
}

@description('Name of the container app.')
output name string = alertmanager.name

@description('host:port Prometheus sends alerts to: the app name on the environment\'s plain-HTTP port (internal ingress).')
output address string = '${alertmanager.name}:80'
