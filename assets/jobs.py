"""The main job: the whole graph for one request partition (partitioning comes from the
assets, all on the ``requests`` dynamic partitions)."""

import dagster as dg

from quantumlayer_dagster.stages.registry import JOB_NAME

generate_project = dg.define_asset_job(
    JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Turn one request (a partition) into a verified, packaged project.",
)
