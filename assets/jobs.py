"""The main job: the whole graph for one request partition (partitioning comes from the
assets, all on the ``requests`` dynamic partitions)."""

import dagster as dg

generate_project = dg.define_asset_job(
    "generate_project",
    selection=dg.AssetSelection.all(),
    description="Turn one request (a partition) into a verified, packaged project.",
)
