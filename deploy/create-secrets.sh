#!/bin/sh
# Creates the Secrets deploy/ refers to, with generated values where we choose them.
# Needs: kubectl with access to the cluster, openssl, and in the environment
#   PGPASSWORD           the password of the Postgres role named in values.yaml
#   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET   the identity provider's client for oauth2-proxy
#   LLM key variables    passed through to quantumlayer-llm-keys, e.g. OPENAI_API_KEY
#   NAMESPACE            (optional) default quantumlayer; a tenant's own deployment
#                        (deploy/tenant_deployment.py) uses quantumlayer-<tenant>
#   TENANTS              (optional) tenants of the ConfigMap quantumlayer-tenants, space-
#                        separated: deploy/create-tenant-keys.sh gives each one keys
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

# The tenants' object-store keys: kept across reruns (deploy/create-tenant-keys.sh alone adds a
# tenant without touching the Secrets above).
NAMESPACE=$ns "$(dirname "$0")/create-tenant-keys.sh"
