"""The exporter's registry: counters and histograms rendered from ``MetricsState`` (the
state is the record; prometheus_client only formats it) and the live gauges. Imported by
``quantumlayer metrics serve`` only."""

import threading
from collections.abc import Iterator

from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from quantumlayer_dagster.observability.metric_catalogue import COUNTERS, GAUGES, HISTOGRAMS
from quantumlayer_dagster.observability.request_metrics import MetricsState


class ExporterMetrics(Collector):
    """What a scrape sees: a consistent snapshot taken under the state's lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.state = MetricsState()
        self.gauges: dict[str, dict[tuple[str, ...], float]] = {}

    def collect(self) -> Iterator[Metric]:
        with self.lock:
            yield from self._counters()
            yield from self._histograms()
            yield from self._gauges()

    def _counters(self) -> Iterator[Metric]:
        for name, spec in COUNTERS.items():
            family = CounterMetricFamily(name, spec.help, labels=spec.labels)
            for key, value in sorted(self.state.counters.get(name, {}).items()):
                family.add_metric(_labels(key, spec.labels), value)
            yield family

    def _histograms(self) -> Iterator[Metric]:
        for name, spec in HISTOGRAMS.items():
            family = HistogramMetricFamily(name, spec.help, labels=spec.labels)
            for key, hist in sorted(self.state.histograms.get(name, {}).items()):
                cumulative, buckets = 0, []
                for bound, count in zip([*spec.buckets, float("inf")], hist.counts, strict=True):
                    cumulative += count
                    buckets.append((_bound(bound), float(cumulative)))
                family.add_metric(_labels(key, spec.labels), buckets, hist.total)
            yield family

    def _gauges(self) -> Iterator[Metric]:
        for name, spec in GAUGES.items():
            family = GaugeMetricFamily(name, spec.help, labels=spec.labels)
            for labels, value in sorted(self.gauges.get(name, {}).items()):
                family.add_metric(list(labels), value)
            yield family


def registry_for(metrics: ExporterMetrics) -> CollectorRegistry:
    """A registry holding only ours (no process or platform collectors)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(metrics)
    return registry


def _labels(key: str, names: tuple[str, ...]) -> list[str]:
    return key.split("\x1f") if names else []


def _bound(bound: float) -> str:
    return "+Inf" if bound == float("inf") else f"{bound:g}"
