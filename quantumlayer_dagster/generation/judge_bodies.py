"""Judging candidate bodies by their examples in the sandbox: every usable candidate of a
module's bodies in one sandbox call, the best of each kept and spliced in (a body is judged
against the bodies kept for what it calls), and the kept bodies judged again when the files
changed since."""

import hashlib

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.generation.body_kit import BodyKit
from quantumlayer_dagster.generation.body_state import BodyState, Candidate, complained, usable
from quantumlayer_dagster.generation.choose_candidate import Verdict, choose_candidate
from quantumlayer_dagster.generation.run_examples import ExampleJob
from quantumlayer_dagster.sandbox import CodeSandbox


def judge_module(
    kit: BodyKit,
    path: str,
    module: list[BodyState],
    files: dict[str, str],
    sandbox: CodeSandbox,
    round_number: int,
) -> None:
    """Run the examples of the round's usable candidates (and of each kept body, against
    the module as it now is) of one module in one sandbox call, keep the best of each body
    and splice it in. When a kept body changed, every usable candidate of the bodies still
    failing is judged once more against the module with it (a body is judged against the
    bodies kept for what it calls)."""
    todo = module
    for pass_number in (1, 2):
        jobs: list[tuple[Candidate, ExampleJob]] = []
        for state in todo:
            for candidate in state.candidates:
                fresh = candidate.round == round_number or candidate is state.best
                if not usable(candidate) or (pass_number == 1 and not fresh):
                    continue
                slot = kit.slot(files[path], state.target.qualname)
                source = kit.assemble(files[path], {slot: candidate.body})  # type: ignore[dict-item]
                jobs.append((candidate, ExampleJob(path, source, state.target.examples)))
        if not jobs:
            return
        project = [SourceFile(path=p, content=c) for p, c in files.items()]
        results = kit.run_examples(project, [job for _, job in jobs], sandbox)
        for (candidate, job), outcomes in zip(jobs, results, strict=True):
            candidate.outcomes = outcomes
            candidate.judged_with = digest({**files, path: job.source})
        changed = False
        for state in todo:
            verdicts = [
                Verdict(
                    usable=usable(c),
                    passed=c.passed,
                    order=(c.round, c.number or 0),
                    complained=complained(state, c),
                )
                for c in state.candidates
            ]
            chosen = choose_candidate(verdicts)
            if chosen is not None and chosen != state.kept:
                state.kept, changed = chosen, True
                slot = kit.slot(files[path], state.target.qualname)
                files[path] = kit.assemble(files[path], {slot: state.candidates[chosen].body})  # type: ignore[dict-item]
        todo = [s for s in module if not s.done()]
        if not changed or not todo:
            return


def judge_kept(
    kit: BodyKit,
    order: list[str],
    states: list[BodyState],
    files: dict[str, str],
    sandbox: CodeSandbox,
) -> None:
    """Run the examples of every kept body against the files as they now are (a body that
    calls another is judged again once that one changed), one sandbox call per module whose
    kept bodies were judged against other files."""
    project = [SourceFile(path=p, content=c) for p, c in files.items()]
    now = digest(files)
    for path in order:
        module = [s for s in states if s.target.path == path and s.best is not None]
        kept = [s.best for s in module if s.best is not None]
        if all(c.judged_with == now for c in kept):
            continue
        jobs = [ExampleJob(path, files[path], s.target.examples) for s in module]
        for candidate, outcomes in zip(kept, kit.run_examples(project, jobs, sandbox), strict=True):
            candidate.outcomes = outcomes
            candidate.judged_with = now


def digest(files: dict[str, str]) -> str:
    return hashlib.sha256(
        "\0".join(f"{p}\0{c}" for p, c in sorted(files.items())).encode("utf-8")
    ).hexdigest()
