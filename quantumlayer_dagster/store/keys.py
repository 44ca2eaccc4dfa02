"""The one artifact-key scheme: everything of a request lives under ``requests/<id>/``,
except its capsule archive, kept under its tenant's prefix ``tenants/<tenant>/`` so the
object store's per-tenant policies can grant a tenant its own capsules and nothing else."""

import re

from quantumlayer_dagster.tenants import DEFAULT_TENANT, check_tenant

# \Z, not $: $ also matches before a final newline.
_ASSET = re.compile(r"^[a-z][a-z0-9_]*\Z")


def request_prefix(request_id: str) -> str:
    return f"requests/{request_id}/"


def submission_key(request_id: str) -> str:
    """The prompt as handed in, written before the run starts."""
    return f"{request_prefix(request_id)}submission.json"


def asset_key(request_id: str, asset: str) -> str:
    """The JSON artifact of one asset for one request."""
    if not _ASSET.match(asset):
        raise ValueError(f"asset name {asset!r} is not a plain identifier")
    return f"{request_prefix(request_id)}{asset}.json"


def tenant_prefix(tenant: str) -> str:
    """Everything stored for one tenant's eyes (the object-store policies grant this prefix)."""
    return f"tenants/{check_tenant(tenant)}/"


def capsule_key(request_id: str, tenant: str = DEFAULT_TENANT) -> str:
    """The capsule archive: ``tenants/<tenant>/capsules/<request id>.tar.gz``. Its record
    (``asset_key(request_id, "capsule")``) names this key and the tenant."""
    if "/" in request_id or request_id.startswith("."):
        raise ValueError(f"request id {request_id!r} is not one plain key segment")
    return f"{tenant_prefix(tenant)}capsules/{request_id}.tar.gz"


def tenant_capsule_record_key(request_id: str, tenant: str = DEFAULT_TENANT) -> str:
    """A copy of the capsule's record beside the archive, under the tenant's prefix, so a
    credential limited to ``tenants/<tenant>/capsules/`` can fetch and check its capsules."""
    return capsule_key(request_id, tenant).removesuffix(".tar.gz") + ".json"


def legacy_capsule_key(request_id: str) -> str:
    """Where capsules were written before tenants had prefixes; ``fetch`` still reads it."""
    return f"{request_prefix(request_id)}capsule.tar.gz"


def llm_cache_key(digest: str) -> str:
    """One cached LLM reply, by the sha256 digest of its full request (shared by requests)."""
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError(f"LLM cache digest {digest!r} is not a sha256 hex digest")
    return f"llm-cache/{digest}.json"
