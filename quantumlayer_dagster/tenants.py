"""Whose request a request is: the tenant name, checked one way everywhere (the CLI's
``--tenant``, the upload path ``incoming/<tenant>/``, the run tag a GraphQL launch carries,
``RequestOptions.tenant``), and the run tag that names it (which the run queue's per-tenant
limit counts)."""

import re

DEFAULT_TENANT = "shared"
"""The tenant of requests that name none (a file directly under ``incoming/``, no
``--tenant``, no run tag): one shared scope, as before tenants existed."""
MAX_TENANT_CHARS = 63
"""Short enough for a store key segment, a Kubernetes label value and a Prometheus label."""
TENANT_TAG = "quantumlayer/tenant"
"""The run tag naming the run's tenant: set by the upload sensor, ``launch`` and ``run``;
the run queue limits runs per unique value of it (fair share)."""
_TENANT = re.compile(r"[a-z0-9][a-z0-9_.-]*\Z")  # \Z, not $: $ matches before a final newline
_RULE = f"1 to {MAX_TENANT_CHARS} of a-z 0-9 _ . -, starting with a letter or digit"


class TenantMismatch(ValueError):
    """A run's tenant tag and its request's tenant differ; the message is one line."""


def check_tenant(name: str) -> str:
    """``name`` when it is a short lowercase tenant name; ValueError with a one-line reason
    (empty, too long, anything but a-z 0-9 _ . -, not starting with a letter or digit)."""
    if not name:
        raise ValueError(f"the tenant name is empty: give {_RULE}, e.g. `acme`")
    if len(name) > MAX_TENANT_CHARS:
        raise ValueError(
            f"tenant name {name[:20]!r}... is {len(name)} characters, over {MAX_TENANT_CHARS}: "
            "use a shorter name"
        )
    if not _TENANT.match(name):
        raise ValueError(f"{name!r} is not a tenant name: use {_RULE}")
    return name


def tag_tenant(tags: dict[str, str]) -> str:
    """The tenant a run's tags name (no tag: the shared tenant); ValueError for a bad name."""
    return check_tenant(tags.get(TENANT_TAG, DEFAULT_TENANT))


def check_run_tenant(tags: dict[str, str], request_tenant: str, request_id: str) -> str:
    """The run's tenant when its tag (absent: ``shared``) agrees with the request's; else
    TenantMismatch saying which tag to launch with."""
    try:
        tagged = tag_tenant(tags)
    except ValueError as exc:
        raise TenantMismatch(f"run tag {TENANT_TAG}: {exc}") from None
    if tagged != request_tenant:
        named = f"names tenant {tagged!r}" if TENANT_TAG in tags else "is missing (shared)"
        raise TenantMismatch(
            f"run tag {TENANT_TAG} {named} but request {request_id} belongs to tenant "
            f"{request_tenant!r}: launch it with the tag {TENANT_TAG}={request_tenant}"
        )
    return tagged
