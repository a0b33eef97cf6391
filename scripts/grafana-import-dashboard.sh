#!/usr/bin/env bash
# Loads deploy/grafana/dashboards/payment-functions.json into Azure Managed Grafana (metricsBackend=managed), its panels
# pointed at the Prometheus data source that Grafana's Azure Monitor workspace integration created (the dashboard file
# names the self-hosted data source uid, payment-prometheus). Safe to run again: it overwrites the dashboard.
#
# Needs: az logged in, with the amg extension (az extension add --name amg); a Grafana Admin or Editor role on the
# Grafana (the deployment makes grafanaAdminPrincipalId, azd's signed-in user, Grafana Admin; the role can take a few
# minutes to apply after the first deployment); the azd environment, or AZURE_GRAFANA_NAME and AZURE_RESOURCE_GROUP set.
set -euo pipefail
cd "$(dirname "$0")/.."

name="${AZURE_GRAFANA_NAME:-$(azd env get-value AZURE_GRAFANA_NAME)}"
group="${AZURE_RESOURCE_GROUP:-$(azd env get-value AZURE_RESOURCE_GROUP)}"
if [ -z "$name" ]; then
  echo "AZURE_GRAFANA_NAME is empty: the deployment is self-hosted (its Grafana loads the dashboard itself)." >&2
  exit 1
fi

uid="$(az grafana data-source list --name "$name" --resource-group "$group" --query "[?type=='prometheus'] | [0].uid" --output tsv)"
if [ -z "$uid" ]; then
  echo "Grafana $name has no Prometheus data source: is the Azure Monitor workspace integration in place?" >&2
  exit 1
fi

dashboard="$(mktemp)"
trap 'rm -f "$dashboard"' EXIT
sed "s/\"uid\": \"payment-prometheus\"/\"uid\": \"$uid\"/g" deploy/grafana/dashboards/payment-functions.json > "$dashboard"
az grafana dashboard import --name "$name" --resource-group "$group" --definition "$dashboard" --overwrite true --output none
echo "Imported the payment-functions dashboard into $name (data source $uid)."
