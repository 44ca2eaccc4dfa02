#!/bin/sh
# Creates or extends the Secret quantumlayer-tenant-keys: an object-store access key and secret
# key for each tenant in TENANTS (space-separated), as <tenant>.access-key and
# <tenant>.secret-key. Every key already in the Secret is kept, so a rerun never rotates a
# tenant's credential nor drops a tenant left out of TENANTS. The bucket Job (deploy/minio.yaml)
# makes each tenant of the ConfigMap quantumlayer-tenants a MinIO user with these keys.
# Needs: kubectl with access to the cluster, openssl.
# Usage: TENANTS="team-a team-b" [NAMESPACE=quantumlayer] deploy/create-tenant-keys.sh
# Hand a tenant its two values, e.g.
#   kubectl -n quantumlayer get secret quantumlayer-tenant-keys \
#     -o jsonpath='{.data.team-a\.secret-key}' | base64 -d
set -eu
ns=${NAMESPACE:-quantumlayer}
name=quantumlayer-tenant-keys

args=""
have=" "
data=$(kubectl -n "$ns" get secret "$name" --ignore-not-found \
  -o go-template='{{range $k, $v := .data}}{{$k}} {{$v}}{{"\n"}}{{end}}')
while read -r key encoded; do
  [ -n "$key" ] || continue
  args="$args --from-literal=$key=$(printf '%s' "$encoded" | base64 -d)"
  have="$have$key "
done <<KEYS
$data
KEYS

for tenant in ${TENANTS:-}; do
  case $tenant in
    [!a-z0-9]* | *[!a-z0-9_.-]*)
      echo "tenant name '$tenant' refused: must match ^[a-z0-9][a-z0-9_.-]{0,62}\$" >&2; exit 2 ;;
  esac
  [ "${#tenant}" -le 63 ] || {
    echo "tenant name '$tenant' refused: must match ^[a-z0-9][a-z0-9_.-]{0,62}\$" >&2; exit 2; }
  case $have in *" $tenant.access-key "*) continue ;; esac
  args="$args --from-literal=$tenant.access-key=qlt-$(openssl rand -hex 8)"
  args="$args --from-literal=$tenant.secret-key=$(openssl rand -hex 24)"
  have="$have$tenant.access-key "
  echo "tenant $tenant: new keys in Secret $name"
done

# shellcheck disable=SC2086
kubectl -n "$ns" create secret generic "$name" $args --dry-run=client -o yaml |
  kubectl apply -f -
