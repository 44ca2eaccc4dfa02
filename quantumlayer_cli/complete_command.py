"""``quantumlayer complete FILE.py``: the generation engine on any file of stubs.

Each function whose body is ``...``, ``pass``, ``raise NotImplementedError`` or only its
docstring (or the one ``--function`` names) is written by the model, judged by the examples
of its docstring in the sandbox. The completed file goes to stdout (or back to the file with
``--write``), progress to stderr; ``--json`` prints one JSON object instead. The model and
its settings come from the LLM config (``QL_LLM_CONFIG``; the group of ``code_tree``)."""

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from quantumlayer_dagster.artifacts.limits import MAX_FILE_BYTES
from quantumlayer_dagster.generation.complete_file import (
    Completion,
    CompletionInputError,
    stubs_of,
)
from quantumlayer_dagster.settings import Settings


def complete(args: argparse.Namespace) -> int:
    """Exit 0 when the file was completed (whether or not every example passes; ``--json``
    says), 1 when the LLM could not be reached or the config is unusable, 2 for bad input."""
    path = Path(args.file)
    try:
        source = _read(path)
        stubs_of(source, path.name, args.function)
        settings = Settings.from_env()
    except (CompletionInputError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    problem = _start_model(settings)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_FAILED
    try:
        completion = _complete(source, path.name, args.function, settings)
    except _Unusable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.write:
        path.write_text(completion.source, encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    if args.json:
        print(json.dumps(completion_json(completion), indent=2))
    elif not args.write:
        sys.stdout.write(completion.source)
    for body in completion.bodies:
        state = "written" if body.written else "NOT written (placeholder left)"
        print(
            f"{body.qualname}: {state}, examples {body.examples_passed}/{len(body.examples)}",
            file=sys.stderr,
        )
    return EXIT_OK


class _Unusable(Exception):
    """The LLM config or the model could not be used; the message says why."""


def _read(path: Path) -> str:
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"{path} is {len(data)} bytes, over the {MAX_FILE_BYTES}-byte limit")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text") from None


def _start_model(settings: Settings) -> str | None:
    from quantumlayer_cli.local_model import ensure_packaged_model

    return ensure_packaged_model(settings)


def _complete(source: str, name: str, function: str | None, settings: Settings) -> Completion:
    # litellm loads here, after the input was found usable
    from quantumlayer_dagster.generation.complete_file import complete_file
    from quantumlayer_dagster.llm.client import LiteLLMClient
    from quantumlayer_dagster.llm.config import LLMConfigError, load_llm_config
    from quantumlayer_dagster.llm.protocol import LLMStageError
    from quantumlayer_dagster.sandbox import Sandbox

    try:
        # The CLI is an edge: the variables the config names come from its environment.
        config = load_llm_config(settings.llm_config, env=os.environ)
        llm = LiteLLMClient(config, env=os.environ)
        return complete_file(
            source,
            name,
            llm,
            Sandbox(mode=settings.sandbox_isolation),
            function=function,
            max_rounds=3,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
        )
    except (LLMConfigError, LLMStageError) as exc:
        raise _Unusable(str(exc)) from None


def completion_json(completion: Completion) -> dict[str, Any]:
    """The one JSON object ``--json`` prints: the completed source and, per function, the
    kept candidate, examples passed, attempts, calls and tokens."""
    calls = completion.calls
    return {
        "source": completion.source,
        "functions": [
            {
                "name": body.qualname,
                "written": body.written,
                "kept_candidate": next(
                    ({"round": a.round, "candidate": a.candidate} for a in body.attempts if a.kept),
                    None,
                ),
                "examples_passed": body.examples_passed,
                "examples_total": len(body.examples),
                "examples": [e.model_dump() for e in body.examples],
                "attempts": len(body.attempts),
                "calls": sum(1 for c in calls if c.file and c.file.endswith(f"::{body.qualname}")),
                "tokens_in": sum(
                    c.tokens_in for c in calls if c.file and c.file.endswith(f"::{body.qualname}")
                ),
                "tokens_out": sum(
                    c.tokens_out for c in calls if c.file and c.file.endswith(f"::{body.qualname}")
                ),
            }
            for body in completion.bodies
        ],
        "calls": len(calls),
        "tokens_in": sum(c.tokens_in for c in calls),
        "tokens_out": sum(c.tokens_out for c in calls),
    }
