"""The one artifact-key scheme: everything of a request lives under ``requests/<id>/``."""

import re

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


def capsule_key(request_id: str) -> str:
    return f"{request_prefix(request_id)}capsule.tar.gz"


def llm_cache_key(digest: str) -> str:
    """One cached LLM reply, by the sha256 digest of its full request (shared by requests)."""
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError(f"LLM cache digest {digest!r} is not a sha256 hex digest")
    return f"llm-cache/{digest}.json"
