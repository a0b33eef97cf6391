metadata description = 'Storage account holding the Pushgateway persistence share. Container Apps mount Azure Files (SMB) with the account key, so this account is separate from the Function App account, which has shared keys disabled.'

@description('Location of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Name of the file share.')
param shareName string

@description('Quota of the share in GiB.')
@minValue(1)
@maxValue(100)
param shareQuotaGiB int = 1

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    // Required: the Container Apps Azure Files mount authenticates with the account key.
    allowSharedKeyAccess: true
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }

  resource fileServices 'fileServices' = {
    name: 'default'

    resource share 'shares' = {
      name: shareName
      properties: {
        shareQuota: shareQuotaGiB
        enabledProtocols: 'SMB'
      }
    }
  }
}

@description('Name of the storage account.')
output name string = storage.name

@description('Name of the file share.')
output shareName string = storage::fileServices::share.name
