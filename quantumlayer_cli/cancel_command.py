"""``quantumlayer cancel REQUEST_ID --url URL``: terminate the request's run through the
webserver's GraphQL API, and record the cancellation with this command line as its actor."""

import argparse
import sys

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from quantumlayer_cli.audit_trail import cli_audit_log, cli_fields, request_tenant
from quantumlayer_cli.graphql_client import GraphQLUnavailable, QuantumLayerGraphQL
from quantumlayer_dagster.artifacts.request import REQUEST_ID_PATTERN
from quantumlayer_dagster.audit.log import AuditUnavailable
from quantumlayer_dagster.audit.record import AuditEvent
from quantumlayer_dagster.settings import Settings

FINISHED = ("SUCCESS", "FAILURE", "CANCELED", "CANCELING")


def cancel(args: argparse.Namespace) -> int:
    """Exit 0: the run was asked to stop (it ends CANCELED) and the cancellation recorded;
    1: no run, the run already finished, or the webserver or audit trail could not be used;
    2: not a request id."""
    request_id: str = args.request_id
    if not REQUEST_ID_PATTERN.match(request_id):
        print(
            f"error: {request_id[:80]!r} is not a request id (r<14 digits>-<8 hex>, as "
            "`quantumlayer launch` printed it)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    settings = Settings.from_env()
    try:
        log = cli_audit_log(settings)  # before acting: a cancellation is never unrecorded
        server = QuantumLayerGraphQL(args.url)
        found = server.status(request_id)
        if found is None:
            print(f"error: no run for request {request_id} at {args.url}", file=sys.stderr)
            return EXIT_FAILED
        if found.status in FINISHED:
            print(
                f"error: run {found.run_id} of {request_id} is already {found.status}; "
                "nothing to cancel",
                file=sys.stderr,
            )
            return EXIT_FAILED
        server.cancel(found.run_id)
        log.append(
            AuditEvent(
                action="cancellation",
                request_id=request_id,
                run_id=found.run_id,
                tenant=request_tenant(settings, request_id),
                event_key=f"cancellation:{found.run_id}",
                **cli_fields(settings, args.url),
            )
        )
    except (GraphQLUnavailable, AuditUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"canceled: run {found.run_id} of request {request_id} (was {found.status})")
    return EXIT_OK
