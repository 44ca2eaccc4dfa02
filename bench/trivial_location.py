"""The baseline code location of the benchmarks: a trivial Dagster graph of the design's
shape (14 assets on the ``requests`` dynamic partitions, the same edges, each doing
nothing) in a job named like ours, ``generate_project``, on Dagster's default executor.
Only Dagster is imported: what it costs is what Dagster itself costs."""

import dagster as dg

from tests.fixtures.design_graph import DESIGN_GRAPH

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
