metadata description = 'Azure Managed Grafana reading the Azure Monitor workspace with its system-assigned identity (Monitoring Data Reader on the workspace only). Sign-in with Microsoft Entra ID only: API keys, service-account keys and external snapshots off.'

@description('Location of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Grafana workspace (2-23 characters).')
@maxLength(23)
param name string

@description('Name of the Azure Monitor workspace (same resource group).')
param workspaceName string

@description('Object ID of a user or group made Grafana Admin (azd: the signed-in user); empty: none.')
param adminPrincipalId string

@description('Type of adminPrincipalId.')
@allowed([
  'User'
  'Group'
])
param adminPrincipalType string = 'User'

// Monitoring Data Reader: query the workspace, nothing else.
var monitoringDataReaderRoleId = 'b0d8363b-8ddd-447d-831f-62ca05bff136'

// Grafana Admin: on this Grafana only.
var grafanaAdminRoleId = '22926164-76b3-42b3-bc55-97df8dab3e41'

resource workspace 'Microsoft.Monitor/accounts@2023-04-03' existing = {
  name: workspaceName
}

resource grafana 'Microsoft.Dashboard/grafana@2024-10-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    // Entra ID sign-in only; no API keys or service-account tokens that outlive a person's access.
    apiKey: 'Disabled'
    deterministicOutboundIP: 'Disabled'
    // Reachable from the internet, but every request needs an Entra ID sign-in and a Grafana role on this resource.
    publicNetworkAccess: 'Enabled'
    zoneRedundancy: 'Disabled'
    grafanaIntegrations: {
      azureMonitorWorkspaceIntegrations: [
        {
          azureMonitorWorkspaceResourceId: workspace.id
        }
      ]
    }
    grafanaConfigurations: {
      snapshots: {
        externalEnabled: false
      }
      users: {
        viewersCanEdit: false
      }
    }
  }
}

resource dataReaderRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(workspace.id, grafana.id, monitoringDataReaderRoleId)
  scope: workspace
  properties: {
    principalId: grafana.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringDataReaderRoleId)
  }
}

resource adminRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(adminPrincipalId)) {
  name: guid(grafana.id, adminPrincipalId, grafanaAdminRoleId)
  scope: grafana
  properties: {
    principalId: adminPrincipalId
    principalType: adminPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grafanaAdminRoleId)
  }
}

@description('Name of the Grafana workspace.')
output name string = grafana.name

@description('HTTPS URL of Grafana (Entra ID sign-in).')
output url string = grafana.properties.endpoint
