"""Thresholds of the quality gates, and where the security gate reads advisories, as
configuration."""

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import dagster as dg

from quantumlayer_dagster.dast.options import DastOptions
from quantumlayer_dagster.quality.gates import DEFAULT_MAX_COMPLEXITY, GateThresholds

if TYPE_CHECKING:  # pip-audit loads where the advisories are first read, not at import
    from quantumlayer_dagster.supply_chain.advisories import LocalOsvService, OnlineFirstService


class QualityGatesResource(dg.ConfigurableResource):
    """``max_complexity``: the highest cyclomatic complexity any function may have.
    ``max_high_severity``: how many security findings at ``severity_threshold`` or worse
    (HIGH by default; MEDIUM or LOW to be stricter) are tolerated.
    ``max_vulnerable_pins``: how many pinned dependencies with a known vulnerability are
    tolerated. ``types_blocking``: mypy's findings are errors that stop ``code_parses`` and
    go back to the model while code is written (default: warnings). ``advisory_db``: the
    OSV advisory directory (empty: the snapshot next to the checkout when there is one);
    ``advisory_online``: ask osv.dev first, falling back to the directory when it cannot be
    reached (always on when there is no directory).
    ``dast``: start a generated HTTP service in the sandbox and attack it (schemathesis and
    our probes), at most ``dast_max_examples`` cases per operation and ``dast_time_s``
    seconds, the service given ``dast_startup_s`` to start; ``server_errors_blocking``: a
    server error it finds stops the run (default: the ``no_server_errors`` gate warns)."""

    max_complexity: int = DEFAULT_MAX_COMPLEXITY
    max_high_severity: int = 0
    severity_threshold: Literal["HIGH", "MEDIUM", "LOW"] = "HIGH"
    max_vulnerable_pins: int = 0
    types_blocking: bool = GateThresholds.types_blocking
    advisory_db: str = ""
    advisory_online: bool = False
    dast: bool = True
    dast_max_examples: int = DastOptions.model_fields["max_examples"].default
    dast_time_s: float = DastOptions.model_fields["time_s"].default
    dast_startup_s: float = DastOptions.model_fields["startup_s"].default
    server_errors_blocking: bool = GateThresholds.server_errors_blocking

    def thresholds(self) -> GateThresholds:
        """What each gate tolerates, as the core's gates take it."""
        return GateThresholds(
            max_complexity=self.max_complexity,
            max_high_severity=self.max_high_severity,
            severity_threshold=self.severity_threshold,
            max_vulnerable_pins=self.max_vulnerable_pins,
            types_blocking=self.types_blocking,
            server_errors_blocking=self.server_errors_blocking,
        )

    def dast_options(self) -> DastOptions:
        """The bounds of the dynamic test of a generated service."""
        return DastOptions(
            max_examples=self.dast_max_examples,
            time_s=self.dast_time_s,
            startup_s=self.dast_startup_s,
        )

    def advisories(self) -> "LocalOsvService | OnlineFirstService":
        """The pip-audit vulnerability service for this configuration."""
        from quantumlayer_dagster.supply_chain.advisories import (
            advisory_service,
            default_advisory_db,
        )

        directory: Path | None = default_advisory_db(self.advisory_db or None)
        return advisory_service(directory, self.advisory_online)
