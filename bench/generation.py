"""Benchmark: how often generation reaches code the gates accept, with the generation features
on (every blocking finding sent back, dependency order with interfaces, project pass) and,
in the same run, off (syntax-only repair, all modules at once, no project pass), so the gain
is a ratio measured side by side.

Two modes:

- ``scripted`` (default): a deterministic replay on the scripted provider (a test double for
  a hosted model) of the mistakes seen from real models: an import of a module that does not
  exist, an undefined name, a call with the wrong number of arguments to a sibling, a name
  imported from a sibling that does not define it. Each seeded fault is the first reply for
  one file; the second reply is the fixed file. Stages 5 and 6 run (code generation and
  semantic validation, the ``code_parses`` gate); it shows that every repair path works,
  not what a real model's rate is.
- ``graph``: the whole graph in-process (``quantumlayer run``'s path) for each prompt file
  (default: ``examples/*.txt`` and ``bench/prompts/*.txt``), ``--n`` times per mode, with the
  model of ``QL_LLM_CONFIG``. ``capsule_rate``: runs that ended in a verified capsule (past
  the blocking gate, ``capsule_verifies`` passed); ``all_gates_rate``: every gate passed
  too. One ``run:`` line per run says how it ended.

Prints ``name: value`` lines, ``<figure>_on``, ``<figure>_off`` and ``<figure>_ratio``.

    .venv/bin/python bench/generation.py
    QL_LLM_CONFIG=F .venv/bin/python bench/generation.py graph --n 2 --prompt PROMPT_FILE
    .venv/bin/python bench/generation.py graph --modes on      # every prompt, features on
"""

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.artifacts.structure import PlannedFile, ProjectStructure
from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import load_llm_config
from quantumlayer_dagster.llm.protocol import LLMStageError
from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.stages.code_tree import generate_code
from quantumlayer_dagster.stages.semantic_validation import validate_code
from tests.fixtures import wordcount, wordcount_stages

MODES = {"on": "full", "off": "syntax"}
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROMPTS = sorted((ROOT / "examples").glob("*.txt")) + sorted(
    (ROOT / "bench" / "prompts").glob("*.txt")
)
"""The repo's examples (Python, TypeScript, JavaScript) and the benchmark's own prompts (CLI,
library, HTTP API, data processing)."""

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

MODELS = '''"""Items and totals."""


class Item:
    """A named quantity."""

    def __init__(self, name, qty):
        self.name = name
        self.qty = qty


def total(items):
    """Sum of the quantities."""
    return sum(item.qty for item in items)
'''
STORE = '''"""The item store."""

from inv.models import Item, total


def add_item(store, name, qty):
    """Add an item to the store and return it."""
    item = Item(name, qty)
    store.append(item)
    return item


def report(store):
    """A one-line report of the store."""
    return f"{len(store)} items, {total(store)} in all"
'''
MAIN = '''"""Command-line entry point."""

from inv.store import add_item, report


def main():
    """Fill a store and print its report."""
    store = []
    add_item(store, "apple", 2)
    print(report(store))


if __name__ == "__main__":
    main()
'''
FILES = {"inv/models.py": MODELS, "inv/store.py": STORE, "inv/main.py": MAIN}

FAULTS: dict[str, dict[str, str]] = {
    # the mistake from the issue: an import of a module no file provides
    "missing_module": {"inv/main.py": MAIN.replace("from inv.store", "from inv.helpers")},
    "undefined_name": {"inv/store.py": STORE.replace("{total(store)}", "{totl(store)}")},
    # store and models are written in the same wave: only the project pass sees this call
    "wrong_arity": {"inv/store.py": STORE.replace("Item(name, qty)", "Item(name)")},
    "sibling_name": {
        "inv/main.py": MAIN.replace("import add_item,", "import add,").replace(
            "add_item(store", "add(store"
        )
    },
    "syntax": {"inv/models.py": MODELS.replace("def total(items):", "def total(items:")},
}
FAULTS["all_at_once"] = {path: text for fault in FAULTS.values() for path, text in fault.items()}
FAULTS["none"] = {}


@dataclass
class RunFigures:
    """One request's outcome and cost."""

    capsule: bool | None
    """A verified capsule: built past the blocking gate and its ``capsule_verifies`` check
    passed (None: not measured in this mode)."""
    code_parses: bool
    tests_pass: bool | None
    repairs: int
    files: int
    calls: int
    tokens: int
    seconds: float
    all_gates: bool | None = None
    """The capsule was built and every gate passed (tests included)."""
    outcome: str = ""
    """``capsule``, ``stopped by <gate>`` or ``failed: <reason>`` (graph mode)."""


def scripted_run(fault: str, checks: str, config: Path) -> RunFigures:
    """Stages 5-6 for the inventory plan with ``fault`` seeded in the first replies."""
    replies = {
        path: [FAULTS[fault][path], text] if path in FAULTS[fault] else text
        for path, text in FILES.items()
    }
    register_scripted_provider(wordcount.STAGE_REPLIES, files={"code_tree": replies})
    llm = LiteLLMClient(load_llm_config(config))
    structure = _inventory_plan(wordcount_stages.project_structure(llm), checks)
    started = time.perf_counter()
    try:
        tree = generate_code(structure, llm)
    except LLMStageError as exc:
        return RunFigures(None, False, None, 0, len(FILES), len(exc.calls), 0, 0.0)
    report = validate_code(tree.files, [f.path for f in structure.files], structure.libraries)
    seconds = time.perf_counter() - started
    return RunFigures(
        capsule=None,
        code_parses=gates.code_parses(report).passed,
        tests_pass=None,
        repairs=tree.repair_count,
        files=len(structure.modules),
        calls=len(tree.llm.calls),
        tokens=sum(c.tokens_in + c.tokens_out for c in tree.llm.calls),
        seconds=seconds,
    )


def _inventory_plan(structure: ProjectStructure, checks: str) -> ProjectStructure:
    files = [PlannedFile(path="inv/__init__.py", purpose="marks inv", kind="package_marker")]
    files += [PlannedFile(path=path, purpose=f"the {path} module") for path in FILES]
    options = structure.brief.options.model_copy(update={"generation_checks": checks})
    brief = structure.brief.model_copy(update={"options": options})
    return structure.model_copy(
        update={"package": "inv", "files": files, "brief": brief, "libraries": []}
    )


def graph_run(prompt_file: Path, checks: str) -> RunFigures:
    """The whole graph in-process for one prompt, in a fresh home."""
    from quantumlayer_cli.local_run import local_instance, run_request
    from quantumlayer_dagster.artifacts.code import CodeTree
    from quantumlayer_dagster.definitions import build_definitions
    from quantumlayer_dagster.intake.front_matter import read_request_file
    from quantumlayer_dagster.settings import Settings
    from quantumlayer_dagster.store.keys import asset_key
    from resources.artifact_store import open_artifact_store

    with tempfile.TemporaryDirectory(prefix="ql-bench-") as home:
        os.environ["QL_HOME"] = home
        settings = Settings.from_env()
        instance = local_instance(settings)
        started = time.perf_counter()
        prompt, fields = read_request_file(prompt_file)  # its front matter names a language
        outcome = run_request(
            settings,
            prompt,
            RequestOptions(generation_checks=checks, **fields),  # type: ignore[arg-type]
            definitions=build_definitions(settings),
            instance=instance,
        )
        seconds = time.perf_counter() - started
        passed = {g.name: g.passed for g in outcome.gates}
        store = open_artifact_store(settings).store()
        try:
            tree = CodeTree.model_validate_json(
                store.get_bytes(asset_key(outcome.request_id, "code_tree"))
            )
        except Exception:  # the run stopped before or in code generation
            tree = None
        instance.dispose()
    calls = tree.llm.calls if tree else []
    if outcome.capsule_path:
        failed = [g.name for g in outcome.gates if not g.passed]
        said = "capsule" + (f" (gates failed: {', '.join(failed)})" if failed else "")
    elif outcome.stopped_by:
        said = f"stopped by {outcome.stopped_by}"
    else:
        said = f"failed: {(outcome.failure or 'unknown').splitlines()[0][:160]}"
    print(f"run: {prompt_file.name} checks={checks} {seconds:.0f}s {said}", flush=True)
    return RunFigures(
        capsule=bool(outcome.capsule_path) and passed.get("capsule_verifies", False),
        all_gates=bool(outcome.capsule_path) and outcome.gates_passed,
        outcome=said,
        code_parses=passed.get("code_parses", False),
        tests_pass=passed.get("tests_pass", False),
        repairs=tree.repair_count if tree else 0,
        files=len([f for f in tree.files if f.attempts]) if tree else 0,
        calls=len(calls),
        tokens=sum(c.tokens_in + c.tokens_out for c in calls),
        seconds=seconds,
    )


def figures(runs: list[RunFigures]) -> dict[str, float]:
    """The benchmark's figures over ``runs`` (rates, means per request or per file)."""
    n = len(runs)
    found = {
        "runs": float(n),
        "code_parses_rate": sum(r.code_parses for r in runs) / n,
        "repairs_per_file": sum(r.repairs for r in runs) / max(1, sum(r.files for r in runs)),
        "code_llm_calls_per_request": sum(r.calls for r in runs) / n,
        "code_tokens_per_request": sum(r.tokens for r in runs) / n,
        "wall_s_per_request": sum(r.seconds for r in runs) / n,
    }
    if all(r.capsule is not None for r in runs):
        found["capsule_rate"] = sum(bool(r.capsule) for r in runs) / n
    if all(r.all_gates is not None for r in runs):
        found["all_gates_rate"] = sum(bool(r.all_gates) for r in runs) / n
    if all(r.tests_pass is not None for r in runs):
        found["tests_pass_rate"] = sum(bool(r.tests_pass) for r in runs) / n
    return found


def side_by_side(run: Callable[[str], list[RunFigures]], modes: str = "on,off") -> list[str]:
    """Figures with the features on and off, and their ratios, as ``name: value`` lines
    (``modes`` ``on``: the features on only)."""
    on = figures(run(MODES["on"]))
    lines = [f"{name}_on: {value:.4f}" for name, value in on.items()]
    if modes == "on":
        return lines
    off = figures(run(MODES["off"]))
    lines += [f"{name}_off: {value:.4f}" for name, value in off.items()]
    for name in ("capsule_rate", "code_parses_rate", "tests_pass_rate"):
        if name in on:
            ratio = on[name] / off[name] if off[name] else float("inf")
            lines.append(f"{name}_ratio: {ratio:.4f}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", choices=["scripted", "graph"], default="scripted")
    parser.add_argument(
        "--prompt", action="append", type=Path, default=[], help="a prompt file (graph mode)"
    )
    parser.add_argument("--n", type=int, default=1, help="runs per prompt and mode")
    parser.add_argument(
        "--modes",
        choices=["on,off", "on"],
        default="on,off",
        help="graph mode: the features on and off side by side (default), or on only",
    )
    args = parser.parse_args()
    if args.mode == "scripted":
        with tempfile.TemporaryDirectory(prefix="ql-bench-") as tmp:
            config = Path(tmp) / "llm.yaml"
            config.write_text(SCRIPTED_CONFIG)
            lines = ["provider: scripted (seeded faults, deterministic replay)"]
            for fault in FAULTS:
                on = scripted_run(fault, MODES["on"], config)
                off = scripted_run(fault, MODES["off"], config)
                lines.append(
                    f"fault_{fault}: code_parses on={on.code_parses} off={off.code_parses} "
                    f"calls on={on.calls} off={off.calls}"
                )

            def replay(checks: str) -> list[RunFigures]:
                return [
                    scripted_run(fault, checks, config) for fault in FAULTS for _ in range(args.n)
                ]

            lines += side_by_side(replay)
    else:
        prompts = args.prompt or DEFAULT_PROMPTS
        lines = [f"provider: QL_LLM_CONFIG={os.environ.get('QL_LLM_CONFIG', '(packaged local)')}"]

        def whole_graph(checks: str) -> list[RunFigures]:
            return [graph_run(p, checks) for p in prompts for _ in range(args.n)]

        lines += side_by_side(whole_graph, args.modes)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
