"""The baseline code location of the benchmarks: a trivial Dagster graph of the design's
shape (14 assets on the ``requests`` dynamic partitions, the same edges, each doing
nothing) in a job named like ours, ``generate_project``, on Dagster's default executor.
Only Dagster is imported: what it costs is what Dagster itself costs.

``defs`` has no asset checks; ``defs_with_checks`` gives each asset the checks (names,
blocking) ours have (``DESIGN_CHECKS``), so that a launch's cost for the checks is
Dagster's, measured apart from ours. ``defs_beside_ours`` is ``defs_with_checks`` with its
asset keys under ``trivial/``, so that it runs on the same instance as our graph without two
locations defining one asset (``bench/scale.py``), on the executor ours runs on (in-process
unless ``QL_EXECUTOR=multiprocess``); its checks pass."""

import os

import dagster as dg

from tests.fixtures.design_graph import DESIGN_CHECKS, DESIGN_GRAPH

requests = dg.DynamicPartitionsDefinition(name="requests")


def _asset(
    name: str, parents: set[str], checks: list[tuple[str, bool]], prefix: str | None = None
) -> dg.AssetsDefinition:
    def key(asset: str) -> dg.AssetKey:
        return dg.AssetKey([prefix, asset] if prefix else [asset])

    specs = [
        dg.AssetCheckSpec(check, asset=key(name), blocking=blocking) for check, blocking in checks
    ]

    # The output type is given, not annotated: with checks, Dagster reads a return
    # annotation as the type of all the outputs.
    @dg.asset(
        key=key(name),
        deps=[key(parent) for parent in sorted(parents)],
        partitions_def=requests,
        dagster_type=dg.Nothing,
        check_specs=specs or None,
    )
    def _nothing():  # type: ignore[no-untyped-def]
        if not specs:
            return None
        return _passing(specs)

    return _nothing


def _passing(specs: list[dg.AssetCheckSpec]):  # type: ignore[no-untyped-def]
    yield dg.Output(None)
    for spec in specs:
        yield dg.AssetCheckResult(check_name=spec.name, passed=True)


def trivial_definitions(
    checks: dict[str, list[tuple[str, bool]]],
    prefix: str | None = None,
    executor: dg.ExecutorDefinition | None = None,
) -> dg.Definitions:
    """The trivial graph, asset ``a`` with the checks ``checks[a]`` (passing), its keys under
    ``prefix`` when given, on ``executor`` (default: Dagster's, multiprocess)."""
    return dg.Definitions(
        assets=[
            _asset(name, parents, checks.get(name, []), prefix)
            for name, parents in DESIGN_GRAPH.items()
        ],
        jobs=[dg.define_asset_job("generate_project", selection=dg.AssetSelection.all())],
        executor=executor,
    )


defs = trivial_definitions({})
defs_with_checks = trivial_definitions(DESIGN_CHECKS)
# The executor ours runs on (QL_EXECUTOR, read the way the settings read it), so that the
# baseline differs from ours only by what the steps do.
_MULTIPROCESS = os.environ.get("QL_EXECUTOR", "in_process") == "multiprocess"
defs_beside_ours = trivial_definitions(
    DESIGN_CHECKS,
    prefix="trivial",
    executor=dg.multiprocess_executor if _MULTIPROCESS else dg.in_process_executor,
)
