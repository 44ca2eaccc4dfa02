"""The main job: the whole graph for one request partition."""

import dagster as dg

from assets.partitions import requests_partitions

generate_project = dg.define_asset_job(
    "generate_project",
    selection=dg.AssetSelection.all(),
    partitions_def=requests_partitions,
    description="Turn one request (a partition) into a verified, packaged project.",
)
