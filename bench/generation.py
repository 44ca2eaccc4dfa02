"""Benchmark: how often generation ends in code the gates accept, and whether any failure is
structural (a gate our code should make impossible: ``code_parses`` on names or imports,
``dependencies_resolved``, tests that do not collect).

Two modes, both the whole graph in-process (``quantumlayer run``'s path) in a fresh home:

- ``scripted`` (default): the word-count request on the scripted provider (a test double for
  a hosted model) with the mistakes seen from real models replayed in the model's bodies: an
  import of a module that does not exist, a name nothing defines, a call with the wrong
  number of arguments, a name a module does not define, a syntax error, all at once, none;
  each first reply has the mistake and the next is right (``fixed``), or every reply has it
  (``never fixed``: the placeholder stays). Structural failures must be 0 in every run.
- ``graph``: each prompt file (default: ``examples/*.txt`` and ``bench/prompts/*.txt``)
  ``--n`` times with the model of ``QL_LLM_CONFIG``.

Prints a ``run:`` line per run and ``name: value`` figures: ``capsule_rate`` (a verified
capsule), ``all_gates_rate`` (every gate passed, ``tests_pass`` included), ``tests_pass_rate``,
``structural_failures``, LLM calls and tokens per request, wall seconds per request.

    .venv/bin/python bench/generation.py
    QL_LLM_CONFIG=F .venv/bin/python bench/generation.py graph --n 2 --prompt PROMPT_FILE
"""

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider
from tests.fixtures import wordcount

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROMPTS = sorted((ROOT / "examples").glob("*.txt")) + sorted(
    (ROOT / "bench" / "prompts").glob("*.txt")
)
SCRIPTED_CONFIG = """\
groups:
  scripted:
    structured_output: json_schema
    max_tokens: 512
    deployments:
      - model: scripted/fixture
default: scripted
cache:
  backend: none
"""
STRUCTURAL = ("code_parses", "dependencies_resolved")
"""Gates whose failure is structural (the tests collecting is checked on the suite)."""

RIGHT = wordcount.FILE_REPLIES["code_tree"]
MISTAKES: dict[str, dict[str, str]] = {
    # an import of a module no file or distribution provides
    "missing_module": {
        wordcount.COUNT_WORDS: "import textstats\n\ndef count_words(text):\n"
        "    return textstats.count(text)\n"
    },
    "undefined_name": {
        wordcount.COUNT_WORDS: "def count_words(text):\n    return dict(Counter(text.split()))\n"
    },
    "wrong_arity": {
        wordcount.TOP_WORDS: "def top_words(text, n):\n    return sorted(count_words(text, n))\n"
    },
    "name_not_defined": {
        wordcount.TOP_WORDS: "from wordcount.counter import rank\n\ndef top_words(text, n):\n"
        "    return rank(text)[:n]\n"
    },
    "syntax": {wordcount.COUNT_WORDS: "def count_words(text:\n    return {}\n"},
}
MISTAKES["all_at_once"] = {t: m for mistake in MISTAKES.values() for t, m in mistake.items()}
MISTAKES["none"] = {}


@dataclass
class RunFigures:
    """One request's outcome and cost."""

    label: str
    capsule: bool
    all_gates: bool
    tests_pass: bool
    structural: list[str]
    """The structural failures of the run (empty: none)."""
    calls: int
    """LLM calls writing code: the bodies of code_tree and the repairs of test_suite."""
    tokens: int
    """Tokens in and out of every LLM call of the request."""
    seconds: float
    outcome: str


def graph_run(label: str, prompt: str, options: RequestOptions) -> RunFigures:
    """The whole graph in-process for one request, in a fresh home."""
    from quantumlayer_cli.local_run import local_instance, run_request
    from quantumlayer_dagster.artifacts.capsule import Capsule
    from quantumlayer_dagster.artifacts.code import CodeTree
    from quantumlayer_dagster.artifacts.test_suite import TestSuite
    from quantumlayer_dagster.definitions import build_definitions
    from quantumlayer_dagster.settings import Settings
    from quantumlayer_dagster.store.keys import asset_key
    from resources.artifact_store import open_artifact_store

    with tempfile.TemporaryDirectory(prefix="ql-bench-") as home:
        os.environ["QL_HOME"] = home
        settings = Settings.from_env()
        instance = local_instance(settings)
        started = time.perf_counter()
        outcome = run_request(
            settings, prompt, options, definitions=build_definitions(settings), instance=instance
        )
        seconds = time.perf_counter() - started
        store = open_artifact_store(settings).store()
        suite = _load(store, asset_key(outcome.request_id, "test_suite"), TestSuite)
        code = _load(store, asset_key(outcome.request_id, "code_tree"), CodeTree)
        capsule = _load(store, asset_key(outcome.request_id, "capsule"), Capsule)
        instance.dispose()
    passed = {g.name: g.passed for g in outcome.gates}
    structural = [g for g in STRUCTURAL if passed.get(g) is False]
    if suite is not None and (suite.run.total == 0 or suite.run.errors):
        structural.append(f"tests not collected ({suite.run.summary})")
    if outcome.capsule_path:
        failed = [g.name for g in outcome.gates if not g.passed]
        said = "capsule" + (f" (gates failed: {', '.join(failed)})" if failed else "")
    elif outcome.stopped_by:
        said = f"stopped by {outcome.stopped_by}"
    else:
        said = f"failed: {(outcome.failure or 'unknown').splitlines()[0][:160]}"
    manifest = capsule.manifest if capsule else None
    code_calls = [*(code.llm.calls if code else []), *(suite.llm.calls if suite else [])]
    print(f"run: {label} {seconds:.0f}s {said}", flush=True)
    return RunFigures(
        label=label,
        capsule=bool(outcome.capsule_path) and passed.get("capsule_verifies", False),
        all_gates=bool(outcome.capsule_path) and outcome.gates_passed,
        tests_pass=passed.get("tests_pass", False),
        structural=structural,
        calls=len(code_calls),
        tokens=(manifest.tokens_in + manifest.tokens_out) if manifest else 0,
        seconds=seconds,
        outcome=said,
    )


def _load(store, key: str, model):  # type: ignore[no-untyped-def]
    try:
        return model.model_validate_json(store.get_bytes(key))
    except Exception:  # the run stopped before that stage
        return None


def scripted_runs(n: int) -> list[RunFigures]:
    """The word-count request with each mistake replayed, fixed on the second reply and
    never fixed, ``n`` times each."""
    with tempfile.TemporaryDirectory(prefix="ql-bench-") as tmp:
        config = Path(tmp) / "llm.yaml"
        config.write_text(SCRIPTED_CONFIG)
        os.environ["QL_LLM_CONFIG"] = str(config)
        os.environ["QL_MEMORY"] = "off"
        runs = []
        for mistake, seeded in MISTAKES.items():
            for fixed in (True, False):
                if not seeded and not fixed:
                    continue
                bodies = {
                    t: ([seeded[t], r] if fixed else seeded[t]) if t in seeded else r
                    for t, r in RIGHT.items()
                }
                # the test repair's replies: the right body (fixed) or the mistake again
                repairs = {t: (RIGHT[t] if fixed else seeded[t]) for t in seeded}
                for _ in range(n):
                    register_scripted_provider(
                        wordcount.STAGE_REPLIES,
                        files={
                            **wordcount.FILE_REPLIES,
                            "code_tree": bodies,
                            "test_suite": repairs,
                        },
                    )
                    label = f"{mistake} ({'fixed' if fixed else 'never fixed'})"
                    runs.append(graph_run(label, wordcount.PROMPT, RequestOptions()))
    return runs


def prompt_runs(prompts: list[Path], n: int) -> list[RunFigures]:
    from quantumlayer_dagster.intake.front_matter import read_request_file

    runs = []
    for path in prompts:
        prompt, fields = read_request_file(path)  # its front matter names a language
        for _ in range(n):
            runs.append(graph_run(path.name, prompt, RequestOptions(**fields)))  # type: ignore[arg-type]
    return runs


def figures(runs: list[RunFigures]) -> list[str]:
    n = len(runs) or 1
    structural = [f"{r.label}: {s}" for r in runs for s in r.structural]
    lines = {
        "runs": len(runs),
        "capsule_rate": f"{sum(r.capsule for r in runs) / n:.4f}",
        "all_gates_rate": f"{sum(r.all_gates for r in runs) / n:.4f}",
        "tests_pass_rate": f"{sum(r.tests_pass for r in runs) / n:.4f}",
        "structural_failures": len(structural),
        "code_llm_calls_per_request": f"{sum(r.calls for r in runs) / n:.2f}",
        "tokens_per_request": f"{sum(r.tokens for r in runs) / n:.1f}",
        "wall_s_per_request": f"{sum(r.seconds for r in runs) / n:.1f}",
    }
    out = [f"{name}: {value}" for name, value in lines.items()]
    return out + [f"structural_failure: {s}" for s in structural]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", choices=["scripted", "graph"], default="scripted")
    parser.add_argument("--prompt", action="append", type=Path, default=[], help="graph mode")
    parser.add_argument("--n", type=int, default=1, help="runs per prompt (or per mistake)")
    args = parser.parse_args()
    if args.mode == "scripted":
        head = "provider: scripted (mistakes of real models replayed in the bodies)"
        runs = scripted_runs(args.n)
    else:
        head = f"provider: QL_LLM_CONFIG={os.environ.get('QL_LLM_CONFIG', '(packaged local)')}"
        runs = prompt_runs(args.prompt or DEFAULT_PROMPTS, args.n)
    print("\n".join([head, *figures(runs)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
