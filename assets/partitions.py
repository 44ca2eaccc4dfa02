"""The one partitioning of the graph: one dynamic partition per request id."""

import dagster as dg

from quantumlayer_dagster.stages.registry import PARTITIONS

requests_partitions = dg.DynamicPartitionsDefinition(name=PARTITIONS)
