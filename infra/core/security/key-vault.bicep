metadata description = 'Key Vault (RBAC authorization) holding the Pushgateway credentials; the Function App identity may read secrets.'

@description('Location of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Key Vault (3-24 letters, digits and dashes).')
@minLength(3)
@maxLength(24)
param name string

@description('Principal (the Function App identity) given Key Vault Secrets User.')
param readerPrincipalId string

@description('Pushgateway basic-auth user name.')
@secure()
param pushgatewayUsername string

@description('Pushgateway basic-auth password.')
@secure()
param pushgatewayPassword string

// Key Vault Secrets User: read secret contents (what Key Vault references need).
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }

  resource usernameSecret 'secrets' = {
    name: 'pushgateway-username'
    properties: {
      value: pushgatewayUsername
      contentType: 'text/plain'
    }
  }

  resource passwordSecret 'secrets' = {
    name: 'pushgateway-password'
    properties: {
      value: pushgatewayPassword
      contentType: 'text/plain'
    }
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, readerPrincipalId, keyVaultSecretsUserRoleId)
  scope: vault
  properties: {
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
  }
}

@description('Name of the Key Vault.')
output name string = vault.name

@description('Names of the secrets holding the Pushgateway user name and password.')
output secretNames object = {
  username: vault::usernameSecret.name
  password: vault::passwordSecret.name
}
