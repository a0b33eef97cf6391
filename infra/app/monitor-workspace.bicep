metadata description = 'Azure Monitor managed service for Prometheus: the workspace that keeps the metrics, the data collection endpoint and rule that take Prometheus remote write into it (Monitoring Metrics Publisher for the agent identity, on the rule only), the repository rules as rule groups, and the action group alerts reach (a webhook, optionally an e-mail address).'

@description('Location of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Azure Monitor workspace.')
param workspaceName string

@description('Name of the data collection endpoint.')
param dataCollectionEndpointName string

@description('Name of the data collection rule.')
param dataCollectionRuleName string

@description('Name of the action group.')
param actionGroupName string

@description('Principal (the identity of the Prometheus that remote-writes: the aggregating scraper or the agent) allowed to remote-write into the workspace through the rule.')
param publisherPrincipalId string

@description('True on the raw path (the Prometheus agent writes raw series): the workspace evaluates the recording rules. False on the aggregated path: the aggregating scraper records them and only the alerts run here.')
param recordInWorkspace bool

@description('Webhook every alert is posted to (Azure Monitor common alert schema).')
@secure()
param alertWebhookUrl string

@description('E-mail address the alerts are also sent to; empty: webhook only.')
param alertEmailAddress string

// Monitoring Metrics Publisher: ingest through this data collection rule, nothing else.
var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'

resource workspace 'Microsoft.Monitor/accounts@2023-04-03' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    // Reached from the Container Apps environment and Azure Managed Grafana without a private network.
    publicNetworkAccess: 'Enabled'
  }
}

resource dataCollectionEndpoint 'Microsoft.Insights/dataCollectionEndpoints@2023-03-11' = {
  name: dataCollectionEndpointName
  location: location
  tags: tags
  kind: 'Linux'
  properties: {
    networkAcls: {
      publicNetworkAccess: 'Enabled'
    }
  }
}

resource dataCollectionRule 'Microsoft.Insights/dataCollectionRules@2023-03-11' = {
  name: dataCollectionRuleName
  location: location
  tags: tags
  kind: 'Linux'
  properties: {
    description: 'Prometheus remote write from the aggregating scraper (or, on the raw path, the Prometheus agent) into the Azure Monitor workspace.'
    dataCollectionEndpointId: dataCollectionEndpoint.id
    dataSources: {
      prometheusForwarder: [
        {
          name: 'PrometheusRemoteWrite'
          streams: [
            'Microsoft-PrometheusMetrics'
          ]
          labelIncludeFilter: {}
        }
      ]
    }
    destinations: {
      monitoringAccounts: [
        {
          name: 'workspace'
          accountResourceId: workspace.id
        }
      ]
    }
    dataFlows: [
      {
        streams: [
          'Microsoft-PrometheusMetrics'
        ]
        destinations: [
          'workspace'
        ]
      }
    ]
  }
}

// Scoped to the rule, not the workspace or the resource group: the writer can write metrics and do nothing else.
resource publisherRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataCollectionRule.id, publisherPrincipalId, monitoringMetricsPublisherRoleId)
  scope: dataCollectionRule
  properties: {
    principalId: publisherPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
  }
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'payments'
    enabled: true
    // An action group keeps serviceUri as a plain property: whoever can read the action group can read the URL.
    // Receiver names are unique across all receivers of the group (the e-mail one is on-call).
    webhookReceivers: [
      {
        name: 'on-call-webhook'
        serviceUri: alertWebhookUrl
        useCommonAlertSchema: true
      }
    ]
    emailReceivers: empty(alertEmailAddress)
      ? []
      : [
          {
            name: 'on-call'
            emailAddress: alertEmailAddress
            useCommonAlertSchema: true
          }
        ]
  }
}

// Generated from deploy/prometheus/rules/*.yml (see the file's header): the rules are written once, and each group is
// deployed on the path where it runs (the recording rules here only on the raw path).
module rules 'monitor-rules.generated.bicep' = {
  name: 'monitor-rules'
  params: {
    location: location
    tags: tags
    workspaceId: workspace.id
    actionGroupId: actionGroup.id
    recordInWorkspace: recordInWorkspace
  }
}

@description('Resource ID of the Azure Monitor workspace.')
output workspaceId string = workspace.id

@description('Name of the Azure Monitor workspace.')
output workspaceName string = workspace.name

@description('Prometheus query endpoint of the workspace (Entra ID authentication).')
output queryEndpoint string = workspace.properties.metrics.prometheusQueryEndpoint

@description('Prometheus remote-write URL: the endpoint\'s metrics ingestion address and the rule\'s immutable ID (no credential in it).')
output remoteWriteUrl string = '${dataCollectionEndpoint.properties.metricsIngestion.endpoint}/dataCollectionRules/${dataCollectionRule.properties.immutableId}/streams/Microsoft-PrometheusMetrics/api/v1/write?api-version=2023-04-24'
