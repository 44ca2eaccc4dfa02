"""Benchmark: grammar decoding of function bodies on a real llama.cpp server.

Asks the engine (``quantumlayer complete``'s) for the bodies of a few small stub files,
``--n`` times each, with the LLM group's ``grammar`` off and then on (``python``: the packaged
GBNF grammar sent per request), one reply per body and no repair, and counts the bodies
whose reply could be spliced (it parses and keeps the signature), that passed the blocking
checks, and that passed their examples. Prints ``name: value`` lines, ``<figure>_off`` /
``<figure>_on``.

Start a server first (any port; the bench does not start one), e.g.

    .venv/bin/python -m quantumlayer_cli llm serve --port 8790 &
    .venv/bin/python bench/grammar_decoding.py --api-base http://127.0.0.1:8790/v1 --n 2
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

from quantumlayer_dagster.generation.complete_file import complete_file
from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import load_llm_config
from quantumlayer_dagster.llm.protocol import LLMStageError
from quantumlayer_dagster.sandbox import Sandbox

CONFIG = """\
groups:
  code:
    structured_output: none
    temperature: {temperature}
    max_tokens: {max_tokens}
    timeout_s: 900
    {grammar}
    deployments:
      - model: openai/smollm2
        api_base: {api_base}
default: code
retries: {{timeout: 0, rate_limit: 0, internal_server_error: 0, default: 0}}
cache: {{backend: none}}
concurrency: {{max_parallel_calls: 1}}
"""

STUBS = {
    "calculator": '''def add(a: float, b: float) -> float:
    """Return the sum of a and b.

    >>> add(2, 3)
    5
    """


def divide(a: float, b: float) -> float:
    """Return a divided by b; raise ValueError when b is zero.

    >>> divide(6, 3)
    2.0
    >>> divide(1, 0)
    Traceback (most recent call last):
    ValueError
    """
''',
    "stats": '''def mean(values: list[float]) -> float:
    """The arithmetic mean of the values.

    >>> mean([1, 2, 3])
    2.0
    """


def largest(values: list[int]) -> int:
    """The largest of the values.

    >>> largest([3, 9, 2])
    9
    """
''',
    "text": '''def shout(text: str) -> str:
    """The text in upper case with an exclamation mark.

    >>> shout('hi')
    'HI!'
    """


def words(text: str) -> int:
    """How many words the text has.

    >>> words('a b c')
    3
    """
''',
}


@dataclass
class Figures:
    bodies: int = 0
    spliced: int = 0
    passes_checks: int = 0
    passes_examples: int = 0
    failed_requests: int = 0
    tokens_out: int = 0
    seconds: float = 0.0


def run(mode: str, args: argparse.Namespace, config_dir: Path) -> Figures:
    path = config_dir / f"llm.{mode}.yaml"
    path.write_text(
        CONFIG.format(
            api_base=args.api_base,
            grammar="grammar: python" if mode == "on" else "",
            temperature=args.temperature,
            max_tokens=args.max_tokens,
        )
    )
    llm = LiteLLMClient(load_llm_config(path))
    figures = Figures()
    for name in args.stubs:
        for _ in range(args.n):
            started = time.perf_counter()
            try:
                done = complete_file(STUBS[name], f"{name}.py", llm, Sandbox(), max_rounds=1)
            except LLMStageError as exc:
                figures.failed_requests += 1
                figures.tokens_out += sum(c.tokens_out for c in exc.calls)
                figures.seconds += time.perf_counter() - started
                continue
            figures.seconds += time.perf_counter() - started
            figures.tokens_out += sum(c.tokens_out for c in done.calls)
            for body in done.bodies:
                [first] = body.attempts
                parse_failed = any(
                    "does not parse" in f or "placeholder" in f for f in first.findings
                )
                figures.bodies += 1
                figures.spliced += not parse_failed
                figures.passes_checks += not first.findings
                figures.passes_examples += body.examples_pass
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-base", default="http://127.0.0.1:8790/v1")
    parser.add_argument("--n", type=int, default=2, help="runs per stub file and mode")
    parser.add_argument("--stubs", nargs="+", default=list(STUBS), choices=list(STUBS))
    parser.add_argument("--max-tokens", type=int, default=400)
    parser.add_argument("--temperature", type=float, default=0.1)
    parser.add_argument("--modes", nargs="+", default=["off", "on"], choices=["off", "on"])
    args = parser.parse_args()
    print(f"stub_files: {' '.join(args.stubs)}")
    print(f"runs_per_file: {args.n}")
    with tempfile.TemporaryDirectory() as tmp:
        for mode in args.modes:
            f = run(mode, args, Path(tmp))
            bodies = max(f.bodies, 1)
            print(f"bodies_{mode}: {f.bodies}")
            print(f"spliced_rate_{mode}: {f.spliced / bodies:.2f}")
            print(f"blocking_pass_rate_{mode}: {f.passes_checks / bodies:.2f}")
            print(f"examples_pass_rate_{mode}: {f.passes_examples / bodies:.2f}")
            print(f"failed_requests_{mode}: {f.failed_requests}")
            print(f"tokens_out_per_body_{mode}: {f.tokens_out / bodies:.0f}")
            print(f"seconds_per_body_{mode}: {f.seconds / bodies:.1f}", flush=True)


if __name__ == "__main__":
    main()
