"""The main job: the whole graph for one request partition (partitioning comes from the
assets, all on the ``requests`` dynamic partitions)."""

import dagster as dg

from quantumlayer_dagster.stages.registry import JOB_NAME

CONSOLE_LOG_LEVEL = "WARNING"
"""What the run worker writes to its console (and Dagster captures as the run's stderr):
warnings and errors. Every event is in the event log, which the UI shows; at Dagster's
default (DEBUG) each of a request's ~190 events was also formatted onto stderr, captured
(33 KB a request) and copied into the daemon's own log."""

generate_project = dg.define_asset_job(
    JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Turn one request (a partition) into a verified, packaged project.",
    config={"loggers": {"console": {"config": {"log_level": CONSOLE_LOG_LEVEL}}}},
)
