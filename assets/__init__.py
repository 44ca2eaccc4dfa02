"""Dagster assets and asset checks: thin wiring around the core stage functions.

``ALL_ASSETS`` lists one asset per stage of ``quantumlayer_dagster.stages.registry``, in its
order (each asset takes its name, code version and artifact model from there)."""

from assets.code import code_tree, dependency_manifest, semantic_validation
from assets.delivery import capsule, docs
from assets.intake import prompt_request
from assets.planning import enhanced_prompt, frd, project_structure, requirements_spec, test_plan
from assets.quality import performance_report, security_report, test_suite

ALL_ASSETS = [
    prompt_request,
    enhanced_prompt,
    frd,
    requirements_spec,
    project_structure,
    code_tree,
    semantic_validation,
    dependency_manifest,
    test_plan,
    test_suite,
    security_report,
    performance_report,
    docs,
    capsule,
]
