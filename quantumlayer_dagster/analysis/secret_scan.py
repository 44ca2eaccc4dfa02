"""Stage 10, secrets: hard-coded credentials in the generated files.

Two kinds of rule. Token formats that providers made recognisable on purpose (AWS key
IDs, GitHub/Slack/OpenAI/Stripe/Google tokens, PEM private key blocks) are reported
wherever they appear, in any text file. A string literal assigned to a name that says
"secret" (password, token, api_key, ...) is reported only when it looks random: long
enough, high Shannon entropy, mixed character classes, and not a placeholder; so
``token_type = "bearer"`` or ``PASSWORD_ENV = "APP_PASSWORD"`` stay quiet.

A reported secret never appears in full: messages and snippets carry a masked form.
"""

import math
import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.security import Finding, Level

TOOL = "secrets"
CWE_HARD_CODED_CREDENTIALS = 798
MIN_GENERIC_LENGTH = 12
MAX_GENERIC_LINE = 400
MIN_GENERIC_ENTROPY = 3.5
"""Bits per character: random base64/hex keys score 3.7-6; words and names under 3.3."""


@dataclass(frozen=True)
class SecretRule:
    """A recognisable token format; group ``secret`` (or the whole match) is the secret."""

    rule_id: str
    description: str
    pattern: re.Pattern[str]
    severity: Level = "HIGH"


RULES = (
    SecretRule(
        "aws-access-key-id",
        "AWS access key ID",
        re.compile(r"\b(?P<secret>(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16})\b"),
    ),
    SecretRule(
        "aws-secret-access-key",
        "AWS secret access key",
        re.compile(
            r"(?i)aws_?secret_?(?:access_?)?key['\"]?\s*[:=]\s*[rb]?['\"]"
            r"(?P<secret>[A-Za-z0-9/+]{40})['\"]"
        ),
    ),
    SecretRule(
        "private-key-block",
        "private key block",
        re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ),
    SecretRule(
        "github-token",
        "GitHub token",
        re.compile(r"\b(?P<secret>gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})"),
    ),
    SecretRule(
        "slack-token",
        "Slack token",
        re.compile(r"\b(?P<secret>xox[abposr]-[A-Za-z0-9]{8,}(?:-[A-Za-z0-9]+)+)"),
    ),
    SecretRule(
        "slack-webhook",
        "Slack incoming webhook URL",
        re.compile(
            r"(?P<secret>https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,})"
        ),
        severity="MEDIUM",
    ),
    SecretRule(
        "openai-api-key",
        "OpenAI-style API key",
        re.compile(r"\b(?P<secret>sk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_-]{32,})"),
    ),
    SecretRule(
        "stripe-secret-key",
        "Stripe secret key",
        re.compile(r"\b(?P<secret>[sr]k_live_[A-Za-z0-9]{20,})"),
    ),
    SecretRule(
        "google-api-key",
        "Google API key",
        re.compile(r"\b(?P<secret>AIza[0-9A-Za-z_-]{35})"),
    ),
)

GENERIC_RULE_ID = "high-entropy-secret"
_SECRET_NAME = re.compile(
    r"(?i)(?P<name>[A-Za-z0-9_]*(?:passw(?:or)?d|pwd|secret|token|api_?key|apikey|access_?key"
    r"|private_?key|auth_?key|credentials?)[A-Za-z0-9_]*)['\"]?\s*[:=]\s*[rbu]?"
    r"(?P<quote>['\"])(?P<secret>[^'\"\s]+)(?P=quote)"
)
_DOTTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_LOWER_WORDS = re.compile(r"[a-z0-9]{1,12}(?:[-_][a-z0-9]{1,12})+")
_PLACEHOLDER = re.compile(
    r"(?i)example|dummy|placeholder|changeme|change_me|redacted|your[_-]|xxxx|\*\*\*|<|\$\{|\{\{|%s"
)


def scan_secrets(files: list[SourceFile]) -> tuple[list[Finding], set[str]]:
    """Findings (``tool="secrets"``, CWE-798) for every hard-coded secret in ``files``,
    sorted by path and line, each with the secret masked; and the secrets themselves, so
    other tools' output quoting them can be redacted with ``redact``."""
    found: list[tuple[Finding, str]] = []
    for source in files:
        for number, line in enumerate(source.content.splitlines(), start=1):
            found += _line_findings(source.path, number, line)
    findings = sorted((f for f, _ in found), key=lambda f: (f.path, f.line, f.rule_id))
    return findings, {secret for _, secret in found if secret}


def redact(value: Any, secrets: Collection[str]) -> Any:
    """``value`` (JSON-like) with every occurrence of each secret replaced by its mask."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, mask(secret))
        return value
    if isinstance(value, list):
        return [redact(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: redact(v, secrets) for k, v in value.items()}
    return value


def _line_findings(path: str, number: int, line: str) -> list[tuple[Finding, str]]:
    found: list[tuple[Finding, str]] = []
    covered: list[tuple[int, int]] = []
    for rule in RULES:
        for match in rule.pattern.finditer(line):
            secret = match.group("secret") if "secret" in rule.pattern.groupindex else ""
            if secret and _PLACEHOLDER.search(secret):
                continue
            covered.append(match.span())
            shown = mask(secret) if secret else match.group(0)
            found.append(
                _finding(
                    rule.rule_id,
                    rule.severity,
                    "HIGH",
                    path,
                    number,
                    match.start(),
                    line,
                    secret,
                    f"{rule.description} hard-coded: {shown}",
                )
            )
    # minified bundles are one long line of short random-looking names: formats only there
    generic = _SECRET_NAME.finditer(line) if len(line) <= MAX_GENERIC_LINE else iter(())
    for match in generic:
        secret = match.group("secret")
        inside = any(s <= match.start("secret") < e for s, e in covered)
        if inside or not looks_random(secret):
            continue
        found.append(
            _finding(
                GENERIC_RULE_ID,
                "MEDIUM",
                "MEDIUM",
                path,
                number,
                match.start(),
                line,
                secret,
                f"random-looking literal assigned to `{match.group('name')}`: "
                f"{mask(secret)} (move it to an environment variable or a secret store)",
            )
        )
    return found


def _finding(
    rule_id: str,
    severity: Level,
    confidence: Level,
    path: str,
    line: int,
    column: int,
    text: str,
    secret: str,
    message: str,
) -> tuple[Finding, str]:
    snippet = text.strip()
    if secret:
        snippet = snippet.replace(secret, mask(secret))
    finding = Finding(
        tool=TOOL,
        rule_id=rule_id,
        test_name="hard-coded secret",
        severity=severity,
        confidence=confidence,
        cwe=CWE_HARD_CODED_CREDENTIALS,
        path=path,
        line=line,
        column=column + 1,
        message=message,
        snippet=snippet[:120],
    )
    return finding, secret


def mask(secret: str) -> str:
    """The first four characters, then one ``*`` per hidden character (at most 16) and the
    length: enough to find the key in a vault, not enough to use it."""
    head = secret[:4] if len(secret) > 8 else ""
    return f"{head}{'*' * min(16, len(secret) - len(head))} ({len(secret)} chars)"


def shannon_entropy(text: str) -> float:
    """Bits per character of ``text``'s character distribution."""
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


def looks_random(value: str) -> bool:
    """Long, high-entropy, with digits among at least three character classes, and not a
    placeholder, URL, path, environment variable name or dotted attribute path."""
    if len(value) < MIN_GENERIC_LENGTH or _PLACEHOLDER.search(value):
        return False
    if "://" in value or value.startswith(("/", ".")) or re.fullmatch(r"[A-Z0-9_]+", value):
        return False  # URLs, paths and environment variable names
    if _DOTTED_NAME.fullmatch(value) or _LOWER_WORDS.fullmatch(value):
        return False  # attribute paths, enum-style names (oauth2_client), UUIDs
    if re.match(r"\d{4}-\d{2}-\d{2}", value):
        return False  # dates and timestamps (password_changed_at)
    if not re.search(r"[0-9]", value):
        return False  # words: generated keys and passwords carry digits
    classes = sum(
        bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
    )
    return classes >= 3 and shannon_entropy(value) >= MIN_GENERIC_ENTROPY


def secrets_sarif_run(findings: list[Finding]) -> dict[str, Any]:
    """A SARIF 2.1.0 run for the secrets detector's findings (appended to bandit's log)."""
    described = {r.rule_id: r.description for r in RULES}
    described[GENERIC_RULE_ID] = "random-looking literal assigned to a secret-named variable"
    used = sorted({f.rule_id for f in findings})
    return {
        "tool": {
            "driver": {
                "name": "quantumlayer-secrets",
                "informationUri": "https://cwe.mitre.org/data/definitions/798.html",
                "rules": [
                    {
                        "id": rule_id,
                        "name": rule_id,
                        "shortDescription": {"text": f"hard-coded {described[rule_id]}"},
                        "properties": {"tags": ["security", "external/cwe/cwe-798"]},
                    }
                    for rule_id in used
                ],
            }
        },
        "results": [f.sarif_result() for f in findings],
    }
