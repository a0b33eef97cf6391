metadata description = 'User-assigned managed identity of the Function App.'

@description('Location of the resource.')
param location string

@description('Tags applied to the resource.')
param tags object

@description('Name of the identity.')
param name string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource ID of the identity.')
output resourceId string = identity.id

@description('Client ID of the identity.')
output clientId string = identity.properties.clientId

@description('Principal (object) ID of the identity.')
output principalId string = identity.properties.principalId
