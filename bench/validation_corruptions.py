"""Benchmark: semantic validation on real packages, clean and with one-line corruptions.

Each package is read from the installed environment as a project tree (its own modules
only) and validated whole: every clean file should be valid. Then, for a seeded sample of
its files, one line is corrupted the way generated code goes wrong across files, one
corruption per tree, and the corrupted file must be reported invalid under the expected kind:

- ``sibling_name``: a name in ``from .x import name`` renamed (x does not define it);
- ``missing_module``: the module of ``from .x import name`` renamed (no such module);
- ``arity``: an argument added to a call of a plain top-level function of the same file.

Prints ``name: value`` lines: ``accuracy`` over all verdicts (clean files valid, corrupted
files invalid with the expected kind), ``false_valid`` (corruptions missed),
``false_invalid`` (clean files reported invalid), per corruption kind the catch rate, and
the baseline measured in the same run: the checks as they were before the cross-file
checks (``--baseline`` semantics: only syntax, compile, undefined names and missing
modules), which cannot see a sibling name or a wrong call.

    .venv/bin/python bench/validation_corruptions.py
"""

import ast
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quantumlayer_dagster.analysis.module_facts import callables_of
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.limits import MAX_FILE_BYTES
from quantumlayer_dagster.stages.semantic_validation import validate_code

PACKAGES = ["click", "jinja2", "yaml", "attr", "packaging", "httpx", "idna", "annotated_types"]
SAMPLES_PER_PACKAGE = 12
NEW_KINDS = {"call"}
"""Issue kinds the cross-file checks added (a sibling name is kind import, told by message)."""


@dataclass
class Verdict:
    kind: str  # "clean" or a corruption kind
    caught: bool  # clean: reported valid; corrupted: reported invalid with the expected kind
    baseline_caught: bool


def package_tree(name: str) -> tuple[list[SourceFile], dict[str, str]]:
    """The package's files, and those over the size limit as references (read for what
    they define, as ``quantumlayer validate`` does)."""
    root = Path(__import__(name).__file__ or "").parent
    files: list[SourceFile] = []
    references: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).as_posix()
        text = path.read_text(encoding="utf-8")
        if len(text.encode("utf-8")) > MAX_FILE_BYTES:
            references[rel] = text
        else:
            files.append(SourceFile(path=rel, content=text))
    return files, references


def corruptions(source: SourceFile, rng: random.Random) -> list[tuple[str, str, int]]:
    """(kind, corrupted content, line) candidates for one file."""
    try:
        tree = ast.parse(source.content)
    except SyntaxError:
        return []
    lines = source.content.splitlines(keepends=True)
    found: list[tuple[str, str, int]] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            if node.lineno != node.end_lineno:
                continue
            line = lines[node.lineno - 1]
            name = node.names[0].name
            if name != "*" and re.search(rf"\b{name}\b", line):
                renamed = re.sub(rf"\bimport {name}\b", f"import {name}_zz", line, count=1)
                if renamed != line:
                    found.append(("sibling_name", _with(lines, node.lineno, renamed), node.lineno))
            moved = line.replace(f"from .{node.module} ", f"from .{node.module}_zz ", 1)
            if moved != line:
                found.append(("missing_module", _with(lines, node.lineno, moved), node.lineno))
    plain = callables_of(tree)
    for call in ast.walk(tree):
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id in plain
            and not plain[call.func.id].varargs
            and call.lineno == call.end_lineno
            and not call.keywords
            and not any(isinstance(a, ast.Starred) for a in call.args)
            and len(call.args) == len(plain[call.func.id].positional)
        ):
            line = lines[call.lineno - 1]
            end = call.end_col_offset or 0
            if line[end - 1 : end] == ")":
                inner = "None" if not call.args else ", None"
                fixed = line[: end - 1] + inner + line[end - 1 :]
                found.append(("arity", _with(lines, call.lineno, fixed), call.lineno))
    rng.shuffle(found)
    return found


def _with(lines: list[str], number: int, new: str) -> str:
    return "".join([*lines[: number - 1], new, *lines[number:]])


def caught(kind: str, issues: list, path: str, line: int, *, baseline: bool) -> bool:
    errors = [i for i in issues if i.severity == "error" and i.path == path and i.line == line]
    if baseline:  # the earlier checks: no sibling-name and no call findings existed
        errors = [
            i
            for i in errors
            if i.kind not in NEW_KINDS and "which does not define it" not in i.message
        ]
    expected = {"sibling_name": "import", "missing_module": "import", "arity": "call"}[kind]
    return any(i.kind == expected for i in errors)


def main() -> int:
    rng = random.Random(10)
    verdicts: list[Verdict] = []
    started = time.perf_counter()
    for name in PACKAGES:
        try:
            files, references = package_tree(name)
        except ImportError:
            print(f"skipped_{name}: not installed")
            continue
        report = validate_code(files, references=references)
        bad = {i.path for i in report.issues if i.severity == "error"}
        old_bad = {
            i.path
            for i in report.issues
            if i.severity == "error"
            and i.kind not in NEW_KINDS
            and "which does not define it" not in i.message
        }
        verdicts += [Verdict("clean", f.path not in bad, f.path not in old_bad) for f in files]
        for path in sorted(bad):
            first = next(i for i in report.issues if i.path == path and i.severity == "error")
            print(f"false_invalid_{name}: {first.describe()[:160]}")
        sample = rng.sample(files, min(SAMPLES_PER_PACKAGE, len(files)))
        for source in sample:
            options = corruptions(source, rng)
            if not options:
                continue
            kind, content, line = options[0]
            changed = [
                source.model_copy(update={"content": content}) if f is source else f for f in files
            ]
            issues = validate_code(changed, references=references).issues
            verdicts.append(
                Verdict(
                    kind,
                    caught(kind, issues, source.path, line, baseline=False),
                    caught(kind, issues, source.path, line, baseline=True),
                )
            )
    seconds = time.perf_counter() - started
    clean = [v for v in verdicts if v.kind == "clean"]
    corrupted = [v for v in verdicts if v.kind != "clean"]
    print(f"packages: {len(PACKAGES)}")
    print(f"clean_files: {len(clean)}")
    print(f"corrupted_trees: {len(corrupted)}")
    print(f"accuracy: {sum(v.caught for v in verdicts) / len(verdicts):.4f}")
    print(f"false_valid: {sum(not v.caught for v in corrupted)}")
    print(f"false_invalid: {sum(not v.caught for v in clean)}")
    for kind in ("sibling_name", "missing_module", "arity"):
        of_kind = [v for v in corrupted if v.kind == kind]
        if of_kind:
            print(f"caught_{kind}: {sum(v.caught for v in of_kind)}/{len(of_kind)}")
            print(
                f"baseline_caught_{kind}: {sum(v.baseline_caught for v in of_kind)}/{len(of_kind)}"
            )
    print(f"baseline_accuracy: {sum(v.baseline_caught for v in verdicts) / len(verdicts):.4f}")
    print(f"baseline_false_valid: {sum(not v.baseline_caught for v in corrupted)}")
    print(f"baseline_false_invalid: {sum(not v.baseline_caught for v in clean)}")
    print(f"seconds: {seconds:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
