"""The trivial baseline (``bench/trivial_location.py``) with our asset checks: the same 14
assets doing nothing, each with the checks (names, blocking) our assets have
(``DESIGN_CHECKS``), so a launch's cost for the checks is Dagster's, measured apart from
ours. Only Dagster is imported."""

import dagster as dg

from tests.fixtures.design_graph import DESIGN_CHECKS, DESIGN_GRAPH

requests = dg.DynamicPartitionsDefinition(name="requests")


def _asset(name: str, parents: set[str]) -> dg.AssetsDefinition:
    checks = [
        dg.AssetCheckSpec(check, asset=name, blocking=blocking)
        for check, blocking in DESIGN_CHECKS.get(name, [])
    ]

    @dg.asset(name=name, deps=sorted(parents), partitions_def=requests, check_specs=checks or None)
    def _nothing():  # type: ignore[no-untyped-def]  # with checks, Dagster reads the return type
        return None

    return _nothing


defs = dg.Definitions(
    assets=[_asset(name, parents) for name, parents in DESIGN_GRAPH.items()],
    jobs=[dg.define_asset_job("generate_project", selection=dg.AssetSelection.all())],
)
