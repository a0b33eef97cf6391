metadata description = 'Container Apps environment (Consumption) with its logs in Log Analytics and the Pushgateway persistence share linked as environment storage.'

@description('Location of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the environment.')
param name string

@description('Name of the Log Analytics workspace receiving container logs.')
param logAnalyticsWorkspaceName string

@description('Name of the storage account holding the share (shared-key access enabled).')
param fileShareStorageAccountName string

@description('Name of the Azure Files share.')
param fileShareName string

@description('Name under which the share is linked to the environment.')
param environmentStorageName string

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: logAnalyticsWorkspaceName
}

resource fileShareStorage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: fileShareStorageAccountName
}

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logAnalytics.properties.customerId
        sharedKey: logAnalytics.listKeys().primarySharedKey
      }
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
  }

  // Azure Files over SMB: Container Apps authenticate with the account key (kept inside ARM, never output).
  resource pushgatewayStorage 'storages' = {
    name: environmentStorageName
    properties: {
      azureFile: {
        accountName: fileShareStorage.name
        accountKey: fileShareStorage.listKeys().keys[0].value
        shareName: fileShareName
        accessMode: 'ReadWrite'
      }
    }
  }
}

@description('Resource ID of the environment.')
output id string = environment.id

@description('Name of the environment storage linking the share.')
output pushgatewayStorageName string = environment::pushgatewayStorage.name
