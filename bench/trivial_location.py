"""The baseline code location of the benchmarks: a trivial Dagster graph of the design's
shape (14 assets on the ``requests`` dynamic partitions, the same edges, each doing
nothing) in a job named like ours, ``generate_project``, on Dagster's default executor.
Only Dagster is imported: what it costs is what Dagster itself costs."""

import dagster as dg

# The design's graph (tests/integration/test_graph.py checks ours against the same edges).
DESIGN_GRAPH: dict[str, set[str]] = {
    "prompt_request": set(),
    "enhanced_prompt": {"prompt_request"},
    "frd": {"enhanced_prompt"},
    "requirements_spec": {"frd"},
    "project_structure": {"requirements_spec"},
    "code_tree": {"project_structure"},
    "semantic_validation": {"code_tree"},
    "dependency_manifest": {"requirements_spec", "code_tree"},
    "test_plan": {"frd", "requirements_spec"},
    "test_suite": {"test_plan", "code_tree", "dependency_manifest"},
    "security_report": {"test_suite", "dependency_manifest"},
    "performance_report": {"test_suite"},
    "docs": {"frd", "test_suite", "dependency_manifest"},
    "capsule": {
        "semantic_validation",
        "test_suite",
        "security_report",
        "performance_report",
        "docs",
    },
}

requests = dg.DynamicPartitionsDefinition(name="requests")


def _asset(name: str, parents: set[str]) -> dg.AssetsDefinition:
    @dg.asset(name=name, deps=sorted(parents), partitions_def=requests)
    def _nothing() -> None:
        return None

    return _nothing


defs = dg.Definitions(
    assets=[_asset(name, parents) for name, parents in DESIGN_GRAPH.items()],
    jobs=[dg.define_asset_job("generate_project", selection=dg.AssetSelection.all())],
)
