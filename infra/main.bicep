targetScope = 'subscription'

metadata description = 'PaymentFunctions on Azure: the Function App (Flex Consumption, .NET 10 isolated), the Pushgateway it pushes to, Prometheus and Grafana reading from it, and the alerts paging a webhook.'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; with the subscription and location it seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource. Limited to regions offering Flex Consumption.')
@allowed([
  'australiaeast'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'northcentralus'
  'northeurope'
  'southcentralus'
  'southeastasia'
  'swedencentral'
  'uksouth'
  'westeurope'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Name of the resource group; empty: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Create Application Insights for the Function App (telemetry sent with the managed identity).')
param enableApplicationInsights bool = true

@description('Memory of each Function App instance in MB (Flex Consumption sizes).')
@allowed([
  512
  2048
  4096
])
param functionInstanceMemoryMB int = 512

@description('Upper bound of Function App instances.')
@minValue(1)
@maxValue(1000)
param functionMaximumInstanceCount int = 40

@description('Pushgateway shards. One gateway (1 vCPU, 2 GiB, one Go thread) on a core of its own carried 1,000 instances pushing protobuf every second at a push p99 of 20-25 ms, scrapes under 0.7 s and a third of its core (docs/scale.md); the default gives one shard per 1,000 instances of functionMaximumInstanceCount, so one. Past that, instances stretch their push interval (back-pressure) instead of queueing.')
@minValue(1)
@maxValue(8)
param pushgatewayShardCount int = (functionMaximumInstanceCount + 999) / 1000

@description('Basic-auth user name of the Pushgateway (and of Prometheus). Stored in Key Vault.')
@minLength(1)
@secure()
param pushgatewayUsername string

@description('Basic-auth password of the Pushgateway (and of Prometheus). Stored in Key Vault; the Function App reads it through a Key Vault reference.')
@minLength(16)
@secure()
param pushgatewayPassword string

@description('bcrypt hash of pushgatewayPassword, for the Pushgateway and Prometheus web config. Make it with: htpasswd -nbBC 10 "" "$PASSWORD" | tr -d \':\\n\'')
@minLength(59)
@secure()
param pushgatewayPasswordBcryptHash string

@description('Password of the Grafana admin user.')
@minLength(12)
@secure()
param grafanaAdminPassword string

@description('Pushgateway container image (official, pinned): PUSHGATEWAY_SHIPPED of deploy/versions.env.')
param pushgatewayImage string = 'docker.io/prom/pushgateway:v1.11.2'

@description('Prometheus container image (official, pinned): PROMETHEUS_SHIPPED of deploy/versions.env.')
param prometheusImage string = 'docker.io/prom/prometheus:v3.5.3'

@description('Alertmanager container image (official, pinned): ALERTMANAGER_SHIPPED of deploy/versions.env; self-hosted backend only.')
param alertmanagerImage string = 'docker.io/prom/alertmanager:v0.33.1'

@description('Grafana container image (official, pinned): GRAFANA_SHIPPED of deploy/versions.env; self-hosted backend only.')
param grafanaImage string = 'docker.io/grafana/grafana:12.1.1'

@description('Where metrics are kept: managed (Azure Monitor workspace, Prometheus agent, Azure Managed Grafana; history survives restarts) or selfHosted (Prometheus and Grafana container apps; history lives and dies with the Prometheus replica).')
@allowed([
  'managed'
  'selfHosted'
])
param metricsBackend string = 'managed'

@description('Managed backend only: aggregated (the default: a Prometheus server next to the gateway records the rules and remote-writes only what the dashboard and the alerts read, a few series per instance) or raw (today\'s agent: every raw per-instance series remote-written and kept 18 months, the recording rules evaluated in Azure; about 160 series per instance, see docs/metrics-backends.md).')
@allowed([
  'aggregated'
  'raw'
])
param managedMetricsMode string = 'aggregated'

@description('The webhook every alert goes to, in both backends: a generic JSON receiver, a Slack-compatible or a Microsoft Teams webhook (see docs/deploy.md for what each backend sends).')
@minLength(8)
@secure()
param alertWebhookUrl string

@description('Managed backend only: an e-mail address the action group also notifies; empty: the webhook only.')
param alertEmailAddress string = ''

@description('Object ID of the user made Grafana Admin on Azure Managed Grafana (azd fills in the signed-in user); empty: none.')
param grafanaAdminPrincipalId string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'payment-functions'
}
var functionAppName = '${abbrs.webSitesFunctions}payments-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'
var managedMetrics = metricsBackend == 'managed'
var rawManagedMetrics = managedMetrics && managedMetricsMode == 'raw'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'core/security/user-assigned-identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.managedIdentityUserAssignedIdentities}payments-${resourceToken}'
  }
}

module monitoring 'core/monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    enableApplicationInsights: enableApplicationInsights
    publisherPrincipalId: identity.outputs.principalId
  }
}

module functionStorage 'core/storage/function-storage.bicep' = {
  name: 'function-storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    deploymentContainerName: deploymentContainerName
    principalId: identity.outputs.principalId
  }
}

module pushgatewayStorage 'core/storage/file-share-storage.bicep' = {
  name: 'pushgateway-storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.storageStorageAccounts}pg${resourceToken}'
    shareName: 'pushgateway'
  }
}

module keyVault 'core/security/key-vault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    readerPrincipalId: identity.outputs.principalId
    pushgatewayUsername: pushgatewayUsername
    pushgatewayPassword: pushgatewayPassword
  }
}

module containerAppsEnvironment 'core/host/container-apps-environment.bicep' = {
  name: 'container-apps-environment'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.appManagedEnvironments}${resourceToken}'
    logAnalyticsWorkspaceName: monitoring.outputs.logAnalyticsWorkspaceName
    fileShareStorageAccountName: pushgatewayStorage.outputs.name
    fileShareName: pushgatewayStorage.outputs.shareName
    environmentStorageName: 'pushgateway'
  }
}

module pushgateway 'app/pushgateway.bicep' = {
  name: 'pushgateway'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.appContainerApps}pushgw-${resourceToken}'
    environmentId: containerAppsEnvironment.outputs.id
    environmentStorageName: containerAppsEnvironment.outputs.pushgatewayStorageName
    image: pushgatewayImage
    username: pushgatewayUsername
    passwordBcryptHash: pushgatewayPasswordBcryptHash
    shardCount: pushgatewayShardCount
  }
}

// Self-hosted backend: Alertmanager pages the webhook; Prometheus sends its alerts to it inside the environment.
module alertmanager 'app/alertmanager.bicep' = if (!managedMetrics) {
  name: 'alertmanager'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.appContainerApps}alertmgr-${resourceToken}'
    environmentId: containerAppsEnvironment.outputs.id
    image: alertmanagerImage
    webhookUrl: alertWebhookUrl
  }
}

module prometheus 'app/prometheus.bicep' = if (!managedMetrics) {
  name: 'prometheus'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.appContainerApps}prom-${resourceToken}'
    environmentId: containerAppsEnvironment.outputs.id
    image: prometheusImage
    pushgatewayFqdns: pushgateway.outputs.fqdns
    alertmanagerAddress: alertmanager!.outputs.address
    username: pushgatewayUsername
    password: pushgatewayPassword
    passwordBcryptHash: pushgatewayPasswordBcryptHash
  }
}

module grafana 'app/grafana.bicep' = if (!managedMetrics) {
  name: 'grafana'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.appContainerApps}grafana-${resourceToken}'
    environmentId: containerAppsEnvironment.outputs.id
    image: grafanaImage
    prometheusUrl: prometheus!.outputs.url
    prometheusUsername: pushgatewayUsername
    prometheusPassword: pushgatewayPassword
    adminPassword: grafanaAdminPassword
  }
}

// Managed backend: the aggregating scraper (or, on the raw path, the agent) scrapes the same Pushgateway target(s) as the
// self-hosted Prometheus above, and remote-writes with this identity.
module monitorIdentity 'core/security/user-assigned-identity.bicep' = if (managedMetrics) {
  name: 'monitor-identity'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.managedIdentityUserAssignedIdentities}prom-agent-${resourceToken}'
  }
}

module monitorWorkspace 'app/monitor-workspace.bicep' = if (managedMetrics) {
  name: 'monitor-workspace'
  scope: rg
  params: {
    location: location
    tags: tags
    workspaceName: '${abbrs.monitorAccounts}${resourceToken}'
    dataCollectionEndpointName: '${abbrs.insightsDataCollectionEndpoints}${resourceToken}'
    dataCollectionRuleName: '${abbrs.insightsDataCollectionRules}prometheus-${resourceToken}'
    actionGroupName: '${abbrs.insightsActionGroups}payments-${resourceToken}'
    publisherPrincipalId: monitorIdentity!.outputs.principalId
    recordInWorkspace: rawManagedMetrics
    alertWebhookUrl: alertWebhookUrl
    alertEmailAddress: alertEmailAddress
  }
}

// Aggregated path (default): recording rules next to the gateway, a few series per instance to the workspace.
module monitorAggregator 'app/monitor-aggregator.bicep' = if (managedMetrics && !rawManagedMetrics) {
  name: 'monitor-aggregator'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.appContainerApps}prom-agg-${resourceToken}'
    environmentId: containerAppsEnvironment.outputs.id
    image: prometheusImage
    pushgatewayFqdns: pushgateway.outputs.fqdns
    username: pushgatewayUsername
    password: pushgatewayPassword
    identityId: monitorIdentity!.outputs.resourceId
    identityClientId: monitorIdentity!.outputs.clientId
    remoteWriteUrl: monitorWorkspace!.outputs.remoteWriteUrl
    maximumInstances: functionMaximumInstanceCount
  }
}

// Raw path: every raw series remote-written by an agent, the recording rules in Azure.
module monitorAgent 'app/monitor-agent.bicep' = if (rawManagedMetrics) {
  name: 'monitor-agent'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.appContainerApps}prom-agent-${resourceToken}'
    environmentId: containerAppsEnvironment.outputs.id
    image: prometheusImage
    pushgatewayFqdns: pushgateway.outputs.fqdns
    username: pushgatewayUsername
    password: pushgatewayPassword
    identityId: monitorIdentity!.outputs.resourceId
    identityClientId: monitorIdentity!.outputs.clientId
    remoteWriteUrl: monitorWorkspace!.outputs.remoteWriteUrl
  }
}

module managedGrafana 'app/monitor-grafana.bicep' = if (managedMetrics) {
  name: 'monitor-grafana'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.dashboardGrafana}${resourceToken}'
    workspaceName: monitorWorkspace!.outputs.workspaceName
    adminPrincipalId: grafanaAdminPrincipalId
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    location: location
    tags: tags
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    serviceName: 'api'
    identityId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: functionStorage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    instanceMemoryMB: functionInstanceMemoryMB
    maximumInstanceCount: functionMaximumInstanceCount
    // Every shard, comma-separated: each instance pushes to the one its instance id hashes to.
    pushgatewayUrl: join(pushgateway.outputs.urls, ',')
    // Taking these from the module outputs also orders the app after the role assignments made in
    // those modules: the identity can read storage and Key Vault when the host first starts.
    keyVaultName: keyVault.outputs.name
    pushgatewayUsernameSecretName: keyVault.outputs.secretNames.username
    pushgatewayPasswordSecretName: keyVault.outputs.secretNames.password
  }
}

@description('Region of the deployment (azd).')
output AZURE_LOCATION string = location

@description('Tenant of the deployment (azd).')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Resource group holding everything.')
output AZURE_RESOURCE_GROUP string = rg.name

@description('Name of the Function App.')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('HTTPS URL of the Function App.')
output FUNCTION_APP_URL string = functionApp.outputs.url

@description('HTTPS URLs of the Pushgateway shards, comma-separated (basic auth); the value of MetricPush__Url.')
output PUSHGATEWAY_URL string = join(pushgateway.outputs.urls, ',')

@description('Metrics backend deployed: managed or selfHosted.')
output METRICS_BACKEND string = metricsBackend

@description('Managed backend only: aggregated or raw (what reaches the workspace); empty when self-hosted.')
output MANAGED_METRICS_MODE string = managedMetrics ? managedMetricsMode : ''

@description('Prometheus query URL: the Azure Monitor workspace query endpoint (Entra ID) when managed, else the Prometheus container app (basic auth, same credentials as the Pushgateway).')
output PROMETHEUS_URL string = managedMetrics ? monitorWorkspace!.outputs.queryEndpoint : prometheus!.outputs.url

@description('HTTPS URL of Grafana: Azure Managed Grafana (Entra ID sign-in) when managed, else the Grafana container app (user admin).')
output GRAFANA_URL string = managedMetrics ? managedGrafana!.outputs.url : grafana!.outputs.url

@description('Name of Azure Managed Grafana (for az grafana commands); empty when self-hosted.')
output AZURE_GRAFANA_NAME string = managedMetrics ? managedGrafana!.outputs.name : ''
