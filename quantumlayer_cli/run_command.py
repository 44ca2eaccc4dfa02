"""``quantumlayer run PROMPT_FILE``: the whole pipeline in-process, with progress."""

import argparse
import os

from quantumlayer_cli import (
    EXIT_FAILED,
    EXIT_GATE_STOPPED,
    EXIT_GATES_FAILED,
    EXIT_OK,
    EXIT_USAGE,
)
from quantumlayer_cli.request_input import request_from_args
from quantumlayer_dagster.intake.prompt_checks import PromptRejected
from quantumlayer_dagster.settings import Settings


def run(args: argparse.Namespace) -> int:
    """Exit 0: capsule built and every gate passed; 3: capsule built but a gate failed;
    4: a blocking gate stopped the run (its reason and what to try are printed); 1: the run
    failed otherwise (the one-line reason is printed); 2: the prompt was refused."""
    try:
        prompt, options = request_from_args(args)
    except PromptRejected as exc:
        print(f"error: {exc}")
        from quantumlayer_cli.audit_trail import record_refusal

        unrecorded = record_refusal(Settings.from_env(), args.prompt_file, str(exc))
        if unrecorded:
            print(unrecorded)
        return EXIT_USAGE

    # Imported here so a refused prompt is answered at once, without loading Dagster.
    from quantumlayer_cli.local_model import ensure_packaged_model
    from quantumlayer_cli.local_run import local_instance, run_request
    from quantumlayer_dagster.definitions import build_definitions

    settings = Settings.from_env()
    problem = ensure_packaged_model(settings)
    if problem:
        print(f"error: {problem}")
        return EXIT_FAILED
    if "QL_MEMORY_EMBEDDING_SERVICE" not in os.environ:
        # one process: the model loads once either way, and a one-off command leaves no
        # embedding service running behind it
        settings = settings.model_copy(update={"memory_embedding_service": "process"})
    outcome = run_request(
        settings,
        prompt,
        options,
        definitions=build_definitions(settings),
        instance=local_instance(settings),
        emit=lambda line: print(line, flush=True),
    )
    print()
    print(f"{'gate':<28} {'result':<7} detail")
    for gate in outcome.gates:
        print(f"{gate.name:<28} {'pass' if gate.passed else 'FAIL':<7} {gate.detail}")
    if outcome.capsule_path:
        print(f"\ncapsule: {outcome.capsule_path}")
    if not outcome.success:
        print(f"\nerror: {outcome.failure}")
        if outcome.stopped_by:
            print(TRY_A_STRONGER_MODEL)
            return EXIT_GATE_STOPPED
        return EXIT_FAILED
    if not outcome.gates_passed:
        failed = ", ".join(g.name for g in outcome.gates if not g.passed)
        print(f"\ncapsule built, but gates failed: {failed}")
        print(TRY_A_STRONGER_MODEL)
        return EXIT_GATES_FAILED
    return EXIT_OK


TRY_A_STRONGER_MODEL = (
    "to try: a stronger model gets further; point QL_LLM_CONFIG at a config from "
    "examples/llm/ (e.g. hosted-with-fallback.yaml or vllm.yaml) and run again"
)
