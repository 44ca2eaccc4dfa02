"""Benchmark: grammar decoding of code files on a real llama.cpp server.

Runs stage 5 (``code_tree``) on a few small planned structures, ``--n`` times each, with
the LLM group's ``grammar`` off and then on (``python``: the packaged GBNF grammar sent
per request), and counts for each generated module whether its first reply parses
(tree-sitter and ``ast``) and whether it passes every blocking check of semantic
validation (the check generation repairs against). Only the first reply per file is
judged (``max_repair_attempts: 1``) so the figures compare the decoding, not the repairs.
Prints ``name: value`` lines, ``<figure>_off`` / ``<figure>_on``.

Start a server first (any port; the bench does not start one), e.g.

    .venv/bin/python -m quantumlayer_cli llm serve --port 8790 &
    .venv/bin/python bench/grammar_decoding.py --api-base http://127.0.0.1:8790/v1 --n 2
"""

import argparse
import ast
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from quantumlayer_dagster.artifacts.brief import Brief
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.artifacts.structure import PlannedFile, ProjectStructure
from quantumlayer_dagster.generation.file_generation import syntax_check
from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import load_llm_config
from quantumlayer_dagster.llm.protocol import LLMStageError
from quantumlayer_dagster.stages.code_tree import generate_code

CONFIG = """\
groups:
  local-long:
    structured_output: none
    temperature: {temperature}
    max_tokens: {max_tokens}
    timeout_s: 600
    {grammar}
    deployments:
      - model: openai/smollm2
        api_base: {api_base}
default: local-long
retries: {{timeout: 0, rate_limit: 0, internal_server_error: 0, default: 0}}
cache: {{backend: none}}
concurrency: {{max_parallel_calls: 1}}
"""

PLANS = {
    "calculator": (
        "Calculator",
        "A command-line calculator for + - * / on two numbers.",
        [
            ("calc/operations.py", "Functions add, subtract, multiply and divide two numbers."),
            ("calc/cli.py", "Parses `a op b` from the command line and prints the result."),
        ],
    ),
    "todo": (
        "Todo list",
        "A small library keeping a list of todo items in memory.",
        [("todo/store.py", "A TodoStore class: add(title), done(index), pending() list.")],
    ),
    "stats": (
        "Statistics",
        "Functions computing the mean, median and mode of a list of numbers.",
        [("stats/summary.py", "mean, median and mode of a list of floats.")],
    ),
}


def structure(name: str) -> ProjectStructure:
    title, summary, modules = PLANS[name]
    package = modules[0][0].split("/")[0]
    options = RequestOptions(max_repair_attempts=1)
    files = [PlannedFile(path=f"{package}/__init__.py", purpose="marks", kind="package_marker")]
    files += [PlannedFile(path=path, purpose=purpose) for path, purpose in modules]
    brief = Brief(
        request_id="bench", title=title, summary=summary, language="python", options=options
    )
    return ProjectStructure(
        request_id="bench",
        brief=brief,
        package=package,
        files=files,
        libraries=[],
        requirement_notes=[summary],
    )


@dataclass
class Figures:
    files: int = 0
    parses: int = 0
    passes: int = 0
    failed_requests: int = 0
    tokens_out: int = 0
    seconds: float = 0.0
    samples: list[str] = field(default_factory=list)


def parses(content: str) -> bool:
    try:
        ast.parse(content)
    except SyntaxError:
        return False
    return not syntax_check_errors(content)


def syntax_check_errors(content: str) -> list[str]:
    from quantumlayer_dagster.artifacts.code import SourceFile

    return syntax_check(SourceFile(path="m.py", content=content))


def run(mode: str, args: argparse.Namespace, config_dir: Path) -> Figures:
    grammar = "grammar: python" if mode == "on" else ""
    path = config_dir / f"llm.{mode}.yaml"
    path.write_text(
        CONFIG.format(
            api_base=args.api_base,
            grammar=grammar,
            temperature=args.temperature,
            max_tokens=args.max_tokens,
        )
    )
    llm = LiteLLMClient(load_llm_config(path))
    figures = Figures()
    for name in args.plans:
        plan = structure(name)
        for _ in range(args.n):
            started = time.perf_counter()
            try:
                tree = generate_code(plan, llm)
            except LLMStageError as exc:
                figures.failed_requests += 1
                figures.files += len(plan.modules)
                figures.tokens_out += sum(c.tokens_out for c in exc.calls)
                figures.seconds += time.perf_counter() - started
                continue
            figures.seconds += time.perf_counter() - started
            figures.tokens_out += tree.llm.tokens_out
            for planned in plan.modules:
                source = tree.file(planned.path)
                assert source is not None
                first = source.attempts[0]
                figures.files += 1
                figures.parses += parses(source.content)
                figures.passes += not first.errors
                figures.samples.append(f"--- {mode} {planned.path}\n{source.content}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-base", default="http://127.0.0.1:8790/v1")
    parser.add_argument("--n", type=int, default=2, help="runs per plan and mode")
    parser.add_argument("--plans", nargs="+", default=list(PLANS), choices=list(PLANS))
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--temperature", type=float, default=0.1)
    parser.add_argument("--modes", nargs="+", default=["off", "on"], choices=["off", "on"])
    parser.add_argument("--samples", type=Path, help="write every generated file here")
    args = parser.parse_args()
    print(f"plans: {' '.join(args.plans)}")
    print(f"runs_per_plan: {args.n}")
    samples: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for mode in args.modes:
            f = run(mode, args, Path(tmp))
            files = max(f.files, 1)
            print(f"files_{mode}: {f.files}")
            print(f"parse_rate_{mode}: {f.parses / files:.2f}")
            print(f"blocking_pass_rate_{mode}: {f.passes / files:.2f}")
            print(f"failed_requests_{mode}: {f.failed_requests}")
            print(f"tokens_out_per_file_{mode}: {f.tokens_out / files:.0f}")
            print(f"seconds_per_file_{mode}: {f.seconds / files:.1f}", flush=True)
            samples += f.samples
    if args.samples:
        args.samples.write_text("\n".join(samples))


if __name__ == "__main__":
    main()
