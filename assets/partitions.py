"""The one partitioning of the graph: one dynamic partition per request id."""

import dagster as dg

requests_partitions = dg.DynamicPartitionsDefinition(name="requests")
