"""``quantumlayer launch PROMPT_FILE --url URL``: store the prompt, add its partition and
launch its run on a running ``dagster-webserver``, over GraphQL."""

import argparse

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from quantumlayer_cli.audit_trail import cli_audit_log, cli_fields, record_refusal
from quantumlayer_cli.request_input import request_from_args
from quantumlayer_dagster.artifacts.request import prompt_digest
from quantumlayer_dagster.audit.log import AuditUnavailable
from quantumlayer_dagster.audit.record import AuditEvent
from quantumlayer_dagster.intake.prompt_checks import PromptRejected
from quantumlayer_dagster.settings import Settings


def launch(args: argparse.Namespace) -> int:
    """Exit 0: launched (request id and run id printed); 2: the prompt was refused;
    1: the webserver could not be used (the one-line reason is printed)."""
    try:
        prompt, options = request_from_args(args)
    except PromptRejected as exc:
        print(f"error: {exc}")
        unrecorded = record_refusal(Settings.from_env(), args.prompt_file, str(exc))
        if unrecorded:
            print(unrecorded)
        return EXIT_USAGE

    from quantumlayer_cli.graphql_client import GraphQLUnavailable, QuantumLayerGraphQL
    from quantumlayer_cli.local_run import submit_local

    settings = Settings.from_env()
    try:
        audit = cli_audit_log(settings)  # opened first: a launch is never left unrecorded
        server = QuantumLayerGraphQL(args.url)
        # Checked before storing anything, so an unreachable server leaves no orphan request.
        server.check()
        request_id = submit_local(settings, prompt, options, source="graphql")
        server.add_partition(request_id)
        run_id = server.launch(request_id, options.tenant)
        audit.append(
            AuditEvent(
                action="launch",
                tenant=options.tenant,
                request_id=request_id,
                run_id=run_id,
                digests={"prompt": prompt_digest(prompt)},
                **cli_fields(settings, args.url),
            )
        )
    except (GraphQLUnavailable, AuditUnavailable) as exc:
        print(f"error: {exc}")
        return EXIT_FAILED
    print(f"request: {request_id}")
    print(f"run: {run_id}")
    return EXIT_OK
