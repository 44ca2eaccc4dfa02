"""How traces are exported: the standard ``OTEL_*`` variables as ``Settings`` read them."""

from typing import Literal

from pydantic import Field

from quantumlayer_dagster.model import Model

SamplerName = Literal[
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
]
ExporterName = Literal["none", "otlp", "console"]


class TracingConfig(Model):
    """``exporter`` "none" turns tracing off (nothing of OpenTelemetry is imported); "otlp"
    sends spans as OTLP over HTTP (endpoint, headers, timeout and certificate from the
    exporter's own ``OTEL_EXPORTER_OTLP_*`` variables); "console" prints them."""

    exporter: ExporterName = "none"
    service_name: str = "quantumlayer"
    sampler: SamplerName = "parentbased_always_on"
    sampler_arg: float = Field(default=1.0, ge=0.0, le=1.0)
    """The ratio of ``traceidratio`` samplers."""

    @property
    def enabled(self) -> bool:
        return self.exporter != "none"
