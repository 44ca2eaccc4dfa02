"""The one way to declare a per-request asset: partitioned by request, versioned by stage."""

from collections.abc import Callable, Sequence
from typing import Any

import dagster as dg

from assets.partitions import requests_partitions
from quantumlayer_dagster.stages.versions import code_version


def request_asset(
    group: str,
    kinds: set[str],
    *,
    checks: Sequence[str] = (),
    blocking_checks: Sequence[str] = (),
) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    """Decorate a function as the asset named after it, on the ``requests`` partitions, with
    its stage's code version and the named asset checks (blocking ones stop downstream
    assets when they fail)."""

    def declare(fn: Callable[..., Any]) -> dg.AssetsDefinition:
        name = fn.__name__
        specs = [dg.AssetCheckSpec(c, asset=name) for c in checks] + [
            dg.AssetCheckSpec(c, asset=name, blocking=True) for c in blocking_checks
        ]
        return dg.asset(
            name=name,
            partitions_def=requests_partitions,
            code_version=code_version(name),
            group_name=group,
            kinds=kinds,
            check_specs=specs or None,
        )(fn)

    return declare
