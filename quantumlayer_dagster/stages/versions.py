"""Code versions of the stages: a logic version plus the digests of their prompt templates.

Bump a stage's logic version when its code changes what it produces; template edits change
the version by themselves. Dagster shows requests materialized under an older version as
stale, and the capsule records the versions it was built from."""

from quantumlayer_dagster.prompts import load_template

_STAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "prompt_request": ("1", ()),
    "enhanced_prompt": ("1", ("enhance",)),
    "frd": ("1", ("frd",)),
    "requirements_spec": ("1", ("requirements",)),
    "project_structure": ("2", ("structure",)),
    "code_tree": ("2", ("code_file", "repair_code", "repair_parse")),
    "semantic_validation": ("1", ()),
    "dependency_manifest": ("1", ()),
    "test_plan": ("1", ("test_plan",)),
    "test_suite": ("3", ("test_file", "repair_code", "repair_tests")),
    "security_report": ("1", ()),
    "performance_report": ("1", ()),
    "docs": ("1", ("docs",)),
    "capsule": ("1", ()),
}

ASSET_NAMES: tuple[str, ...] = tuple(_STAGES)


def code_version(stage: str) -> str:
    """``v<logic>`` followed by the first digits of each template's digest."""
    logic, templates = _STAGES[stage]
    return "-".join([f"v{logic}", *(load_template(t).digest[:8] for t in templates)])


def all_code_versions() -> dict[str, str]:
    return {stage: code_version(stage) for stage in _STAGES}
