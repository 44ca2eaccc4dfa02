#!/bin/sh
# Creates the Secrets deploy/ refers to, with generated values where we choose them.
# Needs: kubectl with access to the cluster, openssl, and in the environment
#   PGPASSWORD           the password of the Postgres role named in values.yaml
#   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET   the identity provider's client for oauth2-proxy
#   LLM key variables    passed through to quantumlayer-llm-keys, e.g. OPENAI_API_KEY
#   NAMESPACE            (optional) default quantumlayer; a tenant's own deployment
#                        (deploy/tenant_deployment.py) uses quantumlayer-<tenant>
#   TENANTS              (optional) the tenants of the ConfigMap quantumlayer-tenants
#                        (deploy/minio.yaml), space-separated: each gets an object-store
#                        credential in quantumlayer-tenant-keys; a tenant that has one keeps it
# Usage: PGPASSWORD=... OIDC_CLIENT_ID=... OIDC_CLIENT_SECRET=... TENANTS="team-a team-b" \
#          deploy/create-secrets.sh OPENAI_API_KEY [OTHER_KEY_VARIABLE ...]
set -eu
ns=${NAMESPACE:-quantumlayer}
random() { openssl rand -hex 24; }
secret() { name=$1; shift; kubectl -n "$ns" create secret generic "$name" "$@" \
  --dry-run=client -o yaml | kubectl apply -f -; }

: "${PGPASSWORD:?set PGPASSWORD to the Postgres password}"
: "${OIDC_CLIENT_ID:?set OIDC_CLIENT_ID}"
: "${OIDC_CLIENT_SECRET:?set OIDC_CLIENT_SECRET}"

secret quantumlayer-postgresql --from-literal=postgresql-password="$PGPASSWORD"
secret quantumlayer-minio --from-literal=root-user="root-$(openssl rand -hex 4)" \
  --from-literal=root-password="$(random)"
secret quantumlayer-s3-keys --from-literal=QL_S3_ACCESS_KEY="ql-$(openssl rand -hex 8)" \
  --from-literal=QL_S3_SECRET_KEY="$(random)"
secret quantumlayer-qdrant-key --from-literal=QL_MEMORY_API_KEY="$(random)"
secret quantumlayer-oauth2-proxy --from-literal=OAUTH2_PROXY_CLIENT_ID="$OIDC_CLIENT_ID" \
  --from-literal=OAUTH2_PROXY_CLIENT_SECRET="$OIDC_CLIENT_SECRET" \
  --from-literal=OAUTH2_PROXY_COOKIE_SECRET="$(openssl rand -hex 16)"

llm_args=""
for var in "$@"; do
  eval "value=\${$var:?set $var}"
  llm_args="$llm_args --from-literal=$var=$value"
done
# shellcheck disable=SC2086
secret quantumlayer-llm-keys $llm_args

# One MinIO user per tenant (the bucket Job creates it with the tenant's policy). Keys are
# <tenant>.access-key and <tenant>.secret-key; hand a tenant its two values, e.g.
#   kubectl -n quantumlayer get secret quantumlayer-tenant-keys \
#     -o jsonpath='{.data.team-a\.secret-key}' | base64 -d
# A tenant already in the Secret keeps its keys (rerunning this script does not rotate them).
existing_key() {
  kubectl -n "$ns" get secret quantumlayer-tenant-keys --ignore-not-found \
    -o "jsonpath={.data.$(printf '%s' "$1" | sed 's/\./\\./g')}" |
    base64 -d
}
tenant_args=""
for tenant in ${TENANTS:-}; do
  case $tenant in
    "" | [!a-z0-9]* | *[!a-z0-9_.-]*) echo "tenant name '$tenant' refused: must match ^[a-z0-9][a-z0-9_.-]{0,62}\$" >&2; exit 2 ;;
  esac
  [ "${#tenant}" -le 63 ] || { echo "tenant name '$tenant' refused: longer than 63" >&2; exit 2; }
  access=$(existing_key "$tenant.access-key")
  secret_key=$(existing_key "$tenant.secret-key")
  [ -n "$access" ] || access="qlt-$(openssl rand -hex 8)"
  [ -n "$secret_key" ] || secret_key="$(random)"
  tenant_args="$tenant_args --from-literal=$tenant.access-key=$access"
  tenant_args="$tenant_args --from-literal=$tenant.secret-key=$secret_key"
done
# shellcheck disable=SC2086
secret quantumlayer-tenant-keys $tenant_args
