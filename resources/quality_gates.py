"""Thresholds of the quality gates, as configuration."""

import dagster as dg


class QualityGatesResource(dg.ConfigurableResource):
    """``max_complexity``: the highest cyclomatic complexity any function may have.
    ``max_high_severity``: how many high-severity security findings are tolerated."""

    max_complexity: int = 15
    max_high_severity: int = 0
