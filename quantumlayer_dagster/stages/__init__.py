"""Stage logic: plain functions from typed inputs to artifact models, no Dagster."""
