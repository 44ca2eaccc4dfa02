"""``quantumlayer status REQUEST_ID --url URL [--json]``: the request's run and each stage's
state, read over GraphQL from a running ``dagster-webserver``."""

import argparse
import json
from datetime import UTC, datetime

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from quantumlayer_cli.graphql_client import (
    GraphQLUnavailable,
    QuantumLayerGraphQL,
    RequestStatus,
)


def status(args: argparse.Namespace) -> int:
    """Exit 0: the status was printed; 1: the webserver could not be used or has no run for
    the request (the one-line reason is printed); 2: not a request id."""
    request_id: str = args.request_id
    if not request_id.isprintable() or not request_id.strip() or len(request_id) > 200:
        print("error: not a request id; `quantumlayer launch` prints the one to use")
        return EXIT_USAGE
    try:
        found = QuantumLayerGraphQL(args.url).status(request_id)
    except GraphQLUnavailable as exc:
        print(f"error: {exc}")
        return EXIT_FAILED
    if found is None:
        print(f"error: no run for request {request_id} at {args.url}")
        return EXIT_FAILED
    print(json.dumps(found.as_json(), indent=2) if args.json else _table(found))
    return EXIT_OK


def _table(found: RequestStatus) -> str:
    lines = [
        f"request: {found.request_id}",
        f"run: {found.run_id}",
        f"status: {found.status}",
        "",
        f"{'stage':<22} {'status':<12} {'started':<20} seconds",
    ]
    for step in found.steps:
        seconds = (
            f"{step.end_time - step.start_time:.1f}" if step.start_time and step.end_time else ""
        )
        lines.append(f"{step.step:<22} {step.status:<12} {_clock(step.start_time):<20} {seconds}")
    return "\n".join(lines)


def _clock(timestamp: float | None) -> str:
    if not timestamp:
        return ""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")
