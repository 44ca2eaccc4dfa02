"""The baseline code location of the benchmarks: a trivial Dagster graph of the design's
shape (14 assets on the ``requests`` dynamic partitions, the same edges, each doing
nothing) in a job named like ours, ``generate_project``, on Dagster's default executor.
Only Dagster is imported: what it costs is what Dagster itself costs.

``defs`` has no asset checks; ``defs_with_checks`` gives each asset the checks (names,
blocking) ours have (``DESIGN_CHECKS``), so that a launch's cost for the checks is
Dagster's, measured apart from ours."""

import dagster as dg

from tests.fixtures.design_graph import DESIGN_CHECKS, DESIGN_GRAPH

requests = dg.DynamicPartitionsDefinition(name="requests")


def _asset(name: str, parents: set[str], checks: list[tuple[str, bool]]) -> dg.AssetsDefinition:
    specs = [dg.AssetCheckSpec(check, asset=name, blocking=blocking) for check, blocking in checks]

    # The output type is given, not annotated: with checks, Dagster reads a return
    # annotation as the type of all the outputs.
    @dg.asset(
        name=name,
        deps=sorted(parents),
        partitions_def=requests,
        dagster_type=dg.Nothing,
        check_specs=specs or None,
    )
    def _nothing():
        return None

    return _nothing


def trivial_definitions(checks: dict[str, list[tuple[str, bool]]]) -> dg.Definitions:
    """The trivial graph, asset ``a`` with the checks ``checks[a]``."""
    return dg.Definitions(
        assets=[
            _asset(name, parents, checks.get(name, [])) for name, parents in DESIGN_GRAPH.items()
        ],
        jobs=[dg.define_asset_job("generate_project", selection=dg.AssetSelection.all())],
    )


defs = trivial_definitions({})
defs_with_checks = trivial_definitions(DESIGN_CHECKS)
