"""``quantumlayer metrics serve [--port P] [--host H] [--interval S]``: the Prometheus
exporter. It follows the Dagster instance (``$DAGSTER_HOME``) from its stored cursor and
serves ``/metrics`` until stopped (SIGTERM or Ctrl-C: the state is stored first)."""

import argparse
import signal
import sys
import threading

from quantumlayer_cli import EXIT_FAILED, EXIT_OK

DEFAULT_PORT = 9464


def serve(args: argparse.Namespace) -> int:
    from prometheus_client import start_http_server

    from quantumlayer_cli.metrics_follower import Follower
    from quantumlayer_dagster.observability.prometheus_exposition import (
        ExporterMetrics,
        registry_for,
    )
    from quantumlayer_dagster.settings import Settings
    from resources.artifact_store import open_artifact_store

    settings = Settings.from_env()
    instance = _instance()
    metrics = ExporterMetrics()
    store = open_artifact_store(settings)
    follower = Follower(instance, metrics, inbox=store.prompts)
    follower.load()
    try:
        server, _thread = start_http_server(
            args.port, addr=args.host, registry=registry_for(metrics)
        )
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port} ({exc}): choose --port")
        return EXIT_FAILED
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"metrics: http://{args.host}:{args.port}/metrics (cursor {metrics.state.cursor})")
    sys.stdout.flush()
    try:
        while not stop.is_set():
            try:
                follower.poll()
            except Exception as exc:  # a database blip: keep serving, try again next poll
                print(f"warning: reading the event log failed: {exc}", file=sys.stderr)
            stop.wait(args.interval)
    finally:
        server.shutdown()
        instance.dispose()
    return EXIT_OK


def _instance():  # type: ignore[no-untyped-def]
    import dagster as dg

    return dg.DagsterInstance.get()
