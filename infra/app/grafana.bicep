metadata description = 'Grafana as a container app, provisioned with a Prometheus data source and the repository dashboard. Its SQLite database stays on the container file system (never Azure Files): everything in it is provisioned again at start.'

@description('Location of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the container app.')
param name string

@description('Resource ID of the Container Apps environment.')
param environmentId string

@description('Grafana image, pinned.')
param image string

@description('HTTPS URL of Prometheus.')
param prometheusUrl string

@description('Basic-auth user name of Prometheus.')
@secure()
param prometheusUsername string

@description('Basic-auth password of Prometheus.')
@secure()
param prometheusPassword string

@description('Password of the Grafana admin user.')
@secure()
param adminPassword string

@description('Minimum replicas; 0 lets Grafana scale to zero when nobody looks at it.')
@minValue(0)
@maxValue(1)
param minReplicas int = 0

// The uid the repo's dashboard panels name (deploy/grafana/provisioning/datasources/prometheus.yml uses the same).
var datasourceUid = 'payment-prometheus'

// The password is expanded by Grafana from the environment at start, so it never sits in this file.
var datasources = '''
apiVersion: 1
datasources:
  - name: Prometheus
    uid: {0}
    type: prometheus
    access: proxy
    url: {1}
    isDefault: true
    editable: false
    basicAuth: true
    basicAuthUser: {2}
    secureJsonData:
      basicAuthPassword: $PROMETHEUS_BASIC_AUTH_PASSWORD
'''

var dashboardProviders = '''
apiVersion: 1
providers:
  - name: payment-functions
    folder: Payment Functions
    type: file
    disableDeletion: true
    allowUiUpdates: false
    options:
      path: /etc/grafana/dashboards
'''

var dashboard = loadTextContent('../../deploy/grafana/dashboards/payment-functions.json')

// Changing a secret does not start a new revision: a hash of the (non-secret) files in the template does.
var configRevision = uniqueString(datasources, dashboardProviders, dashboard, prometheusUrl)

resource grafana 'Microsoft.App/containerApps@2025-01-01' = {
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
        targetPort: 3000
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
          name: 'admin-password'
          value: adminPassword
        }
        {
          name: 'prometheus-password'
          value: prometheusPassword
        }
        {
          name: 'datasources'
          // Secret: carries the user name (a @secure() parameter); the password is expanded from the environment.
          #disable-next-line use-secure-value-for-secure-inputs
          value: format(datasources, datasourceUid, prometheusUrl, prometheusUsername)
        }
        {
          name: 'dashboard-providers'
          // Not secret: file content mounted through a secret volume (Container Apps have no config maps).
          #disable-next-line use-secure-value-for-secure-inputs
          value: dashboardProviders
        }
        {
          name: 'dashboard-payment-functions'
          // Not secret: file content mounted through a secret volume (Container Apps have no config maps).
          #disable-next-line use-secure-value-for-secure-inputs
          value: dashboard
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'grafana'
          image: image
          env: [
            {
              name: 'CONFIG_REVISION'
              value: configRevision
            }
            {
              name: 'GF_SECURITY_ADMIN_USER'
              value: 'admin'
            }
            {
              name: 'GF_SECURITY_ADMIN_PASSWORD'
              secretRef: 'admin-password'
            }
            {
              name: 'PROMETHEUS_BASIC_AUTH_PASSWORD'
              secretRef: 'prometheus-password'
            }
            {
              name: 'GF_USERS_ALLOW_SIGN_UP'
              value: 'false'
            }
            {
              name: 'GF_AUTH_ANONYMOUS_ENABLED'
              value: 'false'
            }
            {
              name: 'GF_ANALYTICS_REPORTING_ENABLED'
              value: 'false'
            }
            {
              name: 'GF_SECURITY_COOKIE_SECURE'
              value: 'true'
            }
          ]
          resources: {
            cpu: json('0.25')
            memory: '0.5Gi'
          }
          volumeMounts: [
            {
              volumeName: 'datasources'
              mountPath: '/etc/grafana/provisioning/datasources'
            }
            {
              volumeName: 'dashboard-providers'
              mountPath: '/etc/grafana/provisioning/dashboards'
            }
            {
              volumeName: 'dashboards'
              mountPath: '/etc/grafana/dashboards'
            }
          ]
          probes: [
            {
              type: 'Readiness'
              httpGet: {
                path: '/api/health'
                port: 3000
              }
              periodSeconds: 10
            }
          ]
        }
      ]
      volumes: [
        {
          name: 'datasources'
          storageType: 'Secret'
          secrets: [
            {
              secretRef: 'datasources'
              path: 'prometheus.yml'
            }
          ]
        }
        {
          name: 'dashboard-providers'
          storageType: 'Secret'
          secrets: [
            {
              secretRef: 'dashboard-providers'
              path: 'payment-functions.yml'
            }
          ]
        }
        {
          name: 'dashboards'
          storageType: 'Secret'
          secrets: [
            {
              secretRef: 'dashboard-payment-functions'
              path: 'payment-functions.json'
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: 1
      }
    }
  }
}

@description('Name of the container app.')
output name string = grafana.name

@description('HTTPS URL of Grafana.')
output url string = 'https://${grafana.properties.configuration.ingress.fqdn}'
