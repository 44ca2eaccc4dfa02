"""What an audit record may hold: names, ids, object keys, sha256 digests and a one-line
reason; never prompt text and never a secret.

The rules are structural, so a hook cannot leak by accident: every field but ``subject`` and
``reason`` is a short name, id or digest matched by a pattern; ``subject`` (an object key or
a stage name) and ``reason`` are one line, bounded, hold no quote characters (our messages
quote user content, e.g. a front-matter line, between quotes: ``reason_text`` cuts those
spans out) and match none of the secret scanner's token formats.
"""

import hashlib
import re

from quantumlayer_dagster.analysis.secret_scan import RULES

MAX_REASON = 300
MAX_SUBJECT = 1100
"""An upload key (S3 allows 1024 bytes) with its folder prefix."""
MAX_DIGESTS = 8
DIGEST_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_CREDENTIAL_IN_URL = re.compile(r"://[^/\s:@]+:[^/\s@]+@")


def sha256_hex(data: bytes | str) -> str:
    """The sha256 of ``data`` (text as UTF-8), as 64 hex digits."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def fingerprint(credential: str, kind: str) -> str:
    """``<kind>:<16 hex>``: names a credential (an access key id, a token) without holding it."""
    return f"{kind}:{sha256_hex(credential)[:16]}"


def reason_text(message: str) -> str:
    """A message made fit for a record's ``reason``: quoted spans (user content) replaced by
    ``<quoted>``, token-shaped secrets by ``<secret>``, stray quotes and line breaks removed,
    invisible characters shown as ``?``, cut to ``MAX_REASON`` characters."""
    text = _CREDENTIAL_IN_URL.sub("://<credentials>@", _QUOTED.sub("<quoted>", message))
    for rule in RULES:
        text = rule.pattern.sub("<secret>", text)
    text = " ".join(text.replace("'", "").replace('"', "").split())
    # Invisible and direction-changing characters (a hostile file name) become "?".
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def text_problem(text: str, limit: int) -> str | None:
    """Why ``text`` may not be stored in a record's free-text field, or None."""
    if len(text) > limit:
        return f"is {len(text)} characters, over {limit}: pass it through reason_text()"
    if not text.isprintable():
        return "holds line breaks or control characters: one line only"
    if "'" in text or '"' in text:
        return "holds quote characters, which is how user content is quoted: use reason_text()"
    if _CREDENTIAL_IN_URL.search(text) or any(rule.pattern.search(text) for rule in RULES):
        return "holds what looks like a secret; records hold fingerprints, never credentials"
    return None


def digests_problem(digests: dict[str, str]) -> str | None:
    """Why ``digests`` (name -> sha256 hex) may not be stored, or None."""
    if len(digests) > MAX_DIGESTS:
        return f"has {len(digests)} entries, over {MAX_DIGESTS}"
    for name, value in digests.items():
        if not DIGEST_NAME.fullmatch(name):
            return f"name {name[:40]!r} is not a short lowercase name"
        if not SHA256_HEX.fullmatch(value):
            return f"{name} is not a sha256 hex digest (64 lowercase hex digits)"
    return None
