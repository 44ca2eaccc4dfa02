"""The capsule's manifest (``capsule.json``) and the result of verifying a capsule."""

import json

from pydantic import Field

from quantumlayer_dagster.model import Model
from quantumlayer_dagster.tenants import DEFAULT_TENANT

CAPSULE_SCHEMA_VERSION = 1
MANIFEST_NAME = "capsule.json"


class GateResult(Model):
    """One quality gate (tests pass, no high-severity finding, ...) and what it found."""

    name: str
    passed: bool
    detail: str = ""
    tree_sha256: str = ""
    """Digest (``tree_digest``) of the tree the gate judged, for gates that judge code."""
    stops: bool = True
    """Whether a failure of this (blocking) gate stops the run. False for a verdict the gate
    could not reach for want of data (e.g. no npm advisories offline): it fails, visibly, as
    a warning, and the capsule records it, but it is not a finding about the code."""


class FunctionExamples(Model):
    """Whether one function the model wrote passes its examples (the planned ones and, after
    a test repair, the test plan's cases for it)."""

    path: str
    qualname: str
    written: bool
    examples_passed: int
    examples_total: int

    @property
    def passes(self) -> bool:
        return self.written and self.examples_passed == self.examples_total


class CapsuleManifest(Model):
    """What a capsule holds and how it was made; stored in it as ``capsule.json``.

    ``files`` maps every other entry's path to its sha256; ``build_capsule`` fills it in.
    No timestamps, so the same inputs give the same bytes."""

    schema_version: int = CAPSULE_SCHEMA_VERSION
    request_id: str
    prompt_sha256: str
    models: list[str] = Field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    stage_versions: dict[str, str] = Field(default_factory=dict)
    """Per-stage data (or code) version the capsule's artifacts were produced with."""
    gates: list[GateResult] = Field(default_factory=list)
    attempts: dict[str, int] = Field(default_factory=dict)
    functions: list[FunctionExamples] = Field(default_factory=list)
    """Per function the model wrote: whether its examples pass."""
    """Totals of generation attempts and repairs (code files, code repairs, project-pass
    repairs, test-repair rounds); each one is listed in its asset's metadata."""
    trace_id: str = ""
    """The OpenTelemetry trace of the run that built the capsule (32 hex digits), or empty
    when that run was not traced (then the same inputs still give the same bytes)."""
    files: dict[str, str] = Field(default_factory=dict)

    def to_json_bytes(self) -> bytes:
        """Deterministic serialisation: sorted keys (unlike ``artifact_to_json``, so dict
        insertion order cannot change the capsule's digest), fixed indentation."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, indent=2)
        return (text + "\n").encode("utf-8")

    @property
    def gates_passed(self) -> bool:
        return all(g.passed for g in self.gates)


class CapsuleVerification(Model):
    """Outcome of ``verify_capsule``: ``ok`` only when there is no problem at all."""

    ok: bool
    checked: int = 0
    """Files whose sha256 matched the manifest."""
    problems: list[str] = Field(default_factory=list)
    manifest: CapsuleManifest | None = None

    def markdown(self) -> str:
        """A verdict line and the problems as a list, for Dagster UI metadata."""
        head = f"**{'verified' if self.ok else 'NOT verified'}**: {self.checked} files checked"
        return "\n".join([head, *(f"- {p}" for p in self.problems)])


class Capsule(Model):
    """Packaging artifact: the stored archive's key, digest and manifest, and the result of
    verifying it right after it was written."""

    request_id: str
    tenant: str = DEFAULT_TENANT
    """Whose request: the archive is kept under ``tenants/<tenant>/`` (records written before
    tenants read as the shared tenant)."""
    key: str
    location: str
    sha256: str
    size_bytes: int
    manifest: CapsuleManifest
    verification: CapsuleVerification
