"""One deployment per tenant: deploy/ rewritten for a tenant of its own (deploy/README.md,
"Hard isolation").

    python deploy/tenant_deployment.py acme deploy-acme/

writes every manifest and values.yaml of deploy/ into deploy-acme/, changed so that nothing
is shared with another deployment but the cluster, the Postgres server and the ingress
controller: namespaces quantumlayer-acme and quantumlayer-acme-sandbox (so its own MinIO and
buckets, Qdrant, embedding service, webservers, daemon, runs, sandbox Jobs and Secrets), the
service addresses in them, its own database and role (quantumlayer_acme), its own identity
provider groups (quantumlayer-acme-viewers, quantumlayer-acme-operators) and hosts
(acme.dagster.example.com, ...), its backups under s3://quantumlayer-backups/acme/, and one
object-store tenant, acme. Install it as deploy/ is installed, with -n quantumlayer-acme and
the new folder. deploy/ itself is not changed. Needs PyYAML (in the project's environment)."""

import re
import sys
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parent
NAMESPACE = "quantumlayer"
SANDBOX_NAMESPACE = "quantumlayer-sandbox"
GROUPS = ("quantumlayer-viewers", "quantumlayer-operators")
BACKUP_URL = "s3://quantumlayer-backups/"
# A namespace name is a DNS label (no "_" or "."), and quantumlayer-<tenant>-sandbox must fit
# in 63 characters: a stricter form of the tenant pattern ^[a-z0-9][a-z0-9_.-]{0,62}$.
TENANT = re.compile(r"[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?")


class TenantNameError(ValueError):
    pass


def check_tenant(tenant: str) -> str:
    if not TENANT.fullmatch(tenant):
        raise TenantNameError(
            f"tenant name {tenant!r} refused for a deployment of its own: it names namespaces,"
            " so it must be lowercase letters, digits and '-' (not first or last), at most 42"
        )
    return tenant


class _Rewrite:
    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        self.namespaces = {
            NAMESPACE: f"quantumlayer-{tenant}",
            SANDBOX_NAMESPACE: f"quantumlayer-{tenant}-sandbox",
        }
        self.database = f"quantumlayer_{tenant.replace('-', '_')}"

    def namespace(self, name: str) -> str:
        return self.namespaces.get(name, name)

    def string(self, value: str) -> str:
        """Service addresses, proxy groups and the backup location in any string."""
        value = value.replace(f".{NAMESPACE}.svc", f".{self.namespaces[NAMESPACE]}.svc")
        for group in GROUPS:
            value = value.replace(
                f"--allowed-group={group}",
                f"--allowed-group={group.replace('quantumlayer-', f'quantumlayer-{self.tenant}-')}",
            )
        if value.startswith(BACKUP_URL):
            value = BACKUP_URL + f"{self.tenant}/" + value.removeprefix(BACKUP_URL)
        return value

    def walk(self, node: Any) -> Any:
        if isinstance(node, dict):
            return {k: self.walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.walk(v) for v in node]
        if isinstance(node, str):
            return self.string(node)
        return node

    def manifest(self, doc: dict[str, Any]) -> dict[str, Any]:
        doc = self.walk(doc)
        meta = doc["metadata"]
        if "namespace" in meta:
            meta["namespace"] = self.namespace(meta["namespace"])
        kind, name = doc["kind"], meta.get("name")
        if kind == "Namespace":
            meta["name"] = self.namespace(meta["name"])
        elif kind in ("RoleBinding", "ClusterRoleBinding"):
            for subject in doc.get("subjects") or []:
                if "namespace" in subject:
                    subject["namespace"] = self.namespace(subject["namespace"])
        elif kind == "Ingress":
            for tls in doc["spec"].get("tls") or []:
                tls["hosts"] = [f"{self.tenant}.{h}" for h in tls["hosts"]]
            for rule in doc["spec"]["rules"]:
                rule["host"] = f"{self.tenant}.{rule['host']}"
        elif kind == "ConfigMap" and name == "quantumlayer-tenants":
            doc["data"]["tenants"] = f"{self.tenant}\n"
        return doc

    def values(self, vals: dict[str, Any]) -> dict[str, Any]:
        vals = self.walk(vals)
        vals["postgresql"]["postgresqlDatabase"] = self.database
        vals["postgresql"]["postgresqlUsername"] = self.database
        launcher = vals["runLauncher"]["config"]["k8sRunLauncher"]
        launcher["jobNamespace"] = self.namespace(launcher.get("jobNamespace") or NAMESPACE)
        for deployment in vals["dagster-user-deployments"]["deployments"]:
            for env in deployment.get("env") or []:
                if env["name"] == "QL_SANDBOX_NAMESPACE":
                    env["value"] = self.namespace(env["value"])
        return vals


def _literal_strings(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(str, _literal_strings)


def render(tenant: str, out: Path, source: Path = DEPLOY) -> list[Path]:
    """Write the tenant's deployment into ``out``; returns the files written."""
    rewrite = _Rewrite(check_tenant(tenant))
    out.mkdir(parents=True, exist_ok=True)
    header = f"# Generated by deploy/tenant_deployment.py for tenant {tenant}; edit deploy/.\n"
    written = []
    for path in sorted(source.glob("*.yaml")):
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
        if path.name == "values.yaml":
            [vals] = docs
            docs = [rewrite.values(vals)]
        else:
            docs = [rewrite.manifest(d) for d in docs]
        text = yaml.dump_all(docs, Dumper=_Dumper, sort_keys=False, width=100)
        target = out / path.name
        target.write_text(header + text)
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python deploy/tenant_deployment.py TENANT OUT_DIR", file=sys.stderr)
        return 2
    try:
        written = render(argv[0], Path(argv[1]))
    except TenantNameError as err:
        print(err, file=sys.stderr)
        return 2
    print(f"wrote {len(written)} files to {argv[1]}: install with -n quantumlayer-{argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
