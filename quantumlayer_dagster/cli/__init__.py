"""The ``quantumlayer`` command line."""

import argparse
import sys
from collections.abc import Sequence

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_GATES_FAILED = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quantumlayer",
        description="Turn a natural-language software request into a verified project capsule.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the whole pipeline in-process for a new request")
    run.add_argument("prompt_file", help="a UTF-8 text file holding the software request")
    run.add_argument("--max-files", type=int, default=None, help="most source files to plan")
    run.set_defaults(handler="quantumlayer_dagster.cli.run_command:run")

    verify = sub.add_parser("verify", help="check every file of a capsule against capsule.json")
    verify.add_argument("capsule", help="path to a capsule .tar.gz")
    verify.set_defaults(handler="quantumlayer_dagster.cli.verify_command:verify")

    test = sub.add_parser("test", help="run a code tree's tests (pytest or node) in the sandbox")
    test.add_argument("path", help="the folder holding the project")
    test.add_argument("--json", action="store_true", help="print one JSON object")
    test.add_argument("--timeout", type=float, default=120.0, help="wall seconds for the run")
    test.set_defaults(handler="quantumlayer_dagster.cli.test_command:test_tree")

    llm = sub.add_parser("llm", help="the local LLM server")
    llm_sub = llm.add_subparsers(dest="llm_command", required=True)
    serve = llm_sub.add_parser("serve", help="start the local llama.cpp server unless running")
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(handler="quantumlayer_dagster.cli.llm_command:serve")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    args = build_parser().parse_args(argv)
    module_name, _, func_name = args.handler.partition(":")
    # Imported on demand: Dagster and litellm take seconds to import, `verify` needs neither.
    module = __import__(module_name, fromlist=[func_name])
    return int(getattr(module, func_name)(args))


if __name__ == "__main__":
    sys.exit(main())
