metadata description = 'The PaymentFunctions app: a Flex Consumption (FC1, Linux) plan and a .NET 10 isolated Function App with a user-assigned identity, identity-based host and deployment storage, HTTPS only, and the Pushgateway credentials read through Key Vault references.'

@description('Location of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Function App.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('azd service name (the key under services: in azure.yaml) this app is deployed as.')
param serviceName string

@description('Resource ID of the user-assigned identity the app runs as.')
param identityId string

@description('Client ID of the user-assigned identity the app runs as.')
param identityClientId string

@description('Name of the storage account (shared keys disabled) for host storage and deployment.')
param storageAccountName string

@description('Blob container holding the deployment package.')
param deploymentContainerName string

@description('Name of the Application Insights component; empty: no Application Insights.')
param applicationInsightsName string

@description('Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Upper bound of instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Pushgateway base URL (https://<container app FQDN>); the app appends /metrics/job/...')
param pushgatewayUrl string

@description('Key Vault holding the Pushgateway credentials (the identity holds Key Vault Secrets User on it).')
param keyVaultName string

@description('Name of the Key Vault secret with the Pushgateway user name.')
param pushgatewayUsernameSecretName string

@description('Name of the Key Vault secret with the Pushgateway password.')
param pushgatewayPasswordSecretName string

var enableApplicationInsights = !empty(applicationInsightsName)

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource keyVault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName

  resource usernameSecret 'secrets' existing = {
    name: pushgatewayUsernameSecretName
  }

  resource passwordSecret 'secrets' existing = {
    name: pushgatewayPasswordSecretName
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = if (enableApplicationInsights) {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource functionApp 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      // Flex Consumption takes the runtime from here; FUNCTIONS_WORKER_RUNTIME and
      // FUNCTIONS_EXTENSION_VERSION must not be set as app settings on this plan.
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      // One literal list (no concat), so the compiled template shows every setting for review and tests.
      appSettings: [
        // Host storage through the managed identity: no connection string, no account key. HTTP and
        // timer triggers need only blobs (keys, timer leases), so no queue or table endpoint and role.
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identityClientId
        }
        {
          name: 'AzureWebJobsStorage__blobServiceUri'
          value: storage.properties.primaryEndpoints.blob
        }
        // Empty when Application Insights is off: the host then sends no telemetry.
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: enableApplicationInsights ? applicationInsights!.properties.ConnectionString : ''
        }
        {
          // Local (key) authentication is disabled on the component: telemetry goes with the identity.
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: enableApplicationInsights ? 'ClientId=${identityClientId};Authorization=AAD' : ''
        }
        {
          name: 'MetricPush__Url'
          value: pushgatewayUrl
        }
        {
          name: 'MetricPush__Username'
          value: '@Microsoft.KeyVault(SecretUri=${keyVault::usernameSecret.properties.secretUri})'
        }
        {
          name: 'MetricPush__Password'
          value: '@Microsoft.KeyVault(SecretUri=${keyVault::passwordSecret.properties.secretUri})'
        }
        {
          name: 'MetricPush__Job'
          value: 'payment-functions'
        }
        {
          name: 'MetricPush__IntervalSeconds'
          value: '5'
        }
        {
          // No hold: pushes are protobuf with created timestamps and every Prometheus deployed here (self-hosted and
          // the managed backend's agent) stores a 0 at each series' created time, so a new instance's counts reach
          // increase() within one scrape. A scraper without that feature needs its scrape interval plus a margin here.
          name: 'MetricPush__FirstValuesDelaySeconds'
          value: '0'
        }
        {
          name: 'MetricPush__GroupTtlMinutes'
          value: '30'
        }
        {
          name: 'SystemMetricsSchedule'
          value: '*/5 * * * * *'
        }
        {
          name: 'MetricJanitorSchedule'
          value: '0 */5 * * * *'
        }
      ]
    }
  }

  // No basic-auth (publishing profile) deployments: azd and az deploy with Entra ID.
  resource ftpPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

@description('Name of the Function App.')
output name string = functionApp.name

@description('HTTPS URL of the Function App.')
output url string = 'https://${functionApp.properties.defaultHostName}'
