"""Benchmark: semantic validation on real packages, clean and with one-line corruptions.

Each package is read from the installed environment as a project tree (its own modules
only) and validated whole: every clean file should be valid. Then, for a seeded sample of
its files, one line is corrupted the way generated code goes wrong across files, one
corruption per tree, and the corrupted file must be reported invalid under the expected kind:

- ``sibling_name``: a name in ``from .x import name`` renamed (x does not define it);
- ``missing_module``: the module of ``from .x import name`` renamed (no such module);
- ``arity``: an argument added to a call of a plain top-level function of the same file.

Then undefined names, in the package's largest module (an oversized one such as click's
``core.py`` or attrs' ``_make.py`` is read only as a reference by ``quantumlayer
validate``) and in a seeded sample of the others, one per tree:

- ``removed_import``: a top-level import deleted from a module that uses the name only
  inside functions;
- ``default_argument``: a name used as a default argument value misspelt.

Prints ``name: value`` lines: ``accuracy`` over all verdicts (clean files and references
valid, corrupted files invalid with the expected kind), ``false_valid`` (corruptions
missed), ``false_invalid`` (clean files reported invalid), per corruption kind the catch
rate, and two baselines measured in the same run: the checks as they were before the
cross-file checks (``baseline_``: only syntax, compile, undefined names and missing
modules), which cannot see a sibling name or a wrong call; and the hand-written
undefined-name finder that ruff replaced (``hand_written_``, ``bench/hand_written_names.py``
on the files checked in full), with one ``names_<package>`` line per name corruption.

    .venv/bin/python bench/validation_corruptions.py
"""

import ast
import builtins
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.hand_written_names import undefined_names
from quantumlayer_dagster.analysis.module_facts import callables_of
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.limits import MAX_FILE_BYTES
from quantumlayer_dagster.stages.semantic_validation import validate_code

PACKAGES = ["click", "jinja2", "yaml", "attr", "packaging", "httpx", "idna", "annotated_types"]
SAMPLES_PER_PACKAGE = 12
NAME_SAMPLES_PER_PACKAGE = 3
"""Name corruptions per package besides the one in its largest module."""
NAME_KINDS = ("removed_import", "default_argument")
NEW_KINDS = {"call"}
"""Issue kinds the cross-file checks added (a sibling name is kind import, told by message)."""


@dataclass
class Verdict:
    kind: str  # "clean" or a corruption kind
    caught: bool  # clean: reported valid; corrupted: reported invalid with the expected kind
    baseline_caught: bool
    hand_written_caught: bool


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


def name_corruptions(path: str, content: str) -> list[tuple[str, str, str]]:
    """(kind, corrupted content, the name left undefined) candidates for one module. A
    module with a star import is left out: the star import might bind the name after all."""
    try:
        tree = ast.parse(content)
    except SyntaxError:
        return []
    if any(isinstance(n, ast.ImportFrom) and n.names[0].name == "*" for n in ast.walk(tree)):
        return []
    lines = content.splitlines(keepends=True)
    found: list[tuple[str, str, str]] = []
    for node in tree.body:
        if (
            isinstance(node, ast.Import | ast.ImportFrom)
            and len(node.names) == 1
            and node.lineno == node.end_lineno
            and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
        ):
            alias = node.names[0]
            name = alias.asname or alias.name.split(".")[0]
            if _used_only_in_function_bodies(tree, name):
                found.append(("removed_import", _with(lines, node.lineno, "\n"), name))
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for default in [*function.args.defaults, *function.args.kw_defaults]:
            if isinstance(default, ast.Name) and default.lineno == default.end_lineno:
                line = lines[default.lineno - 1]
                start, end = default.col_offset, default.end_col_offset or 0
                if line.encode()[start:end].decode() != default.id:
                    continue  # not ASCII before it: byte offsets are not character ones
                misspelt = line[:start] + default.id + "_zz" + line[end:]
                kind = "default_argument"
                found.append((kind, _with(lines, default.lineno, misspelt), default.id + "_zz"))
    return [(k, c, n) for k, c, n in found if _undefined_in(c, n)]


def _used_only_in_function_bodies(tree: ast.Module, name: str) -> bool:
    """Whether ``name`` is read at run time only inside function bodies (not annotations)."""
    inside: set[int] = set()
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for statement in function.body:
                inside |= {id(n) for n in ast.walk(statement) if isinstance(n, ast.Name)}
    uses = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
    ]
    return bool(uses) and all(id(n) in inside for n in uses)


def _undefined_in(content: str, name: str) -> bool:
    """Whether nothing in ``content`` binds ``name`` (so the corruption really breaks it)."""
    tree = ast.parse(content)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            return False
        if isinstance(node, ast.arg) and node.arg == name:
            return False
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.name == name
        ):
            return False
        if isinstance(node, ast.Import | ast.ImportFrom) and any(
            (a.asname or a.name.split(".")[0]) == name for a in node.names
        ):
            return False
        if isinstance(node, ast.Global | ast.Nonlocal) and name in node.names:
            return False
        if isinstance(node, ast.ExceptHandler) and node.name == name:
            return False
    return name not in dir(builtins)


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


def hand_written_names(path: str, content: str) -> set[str]:
    """The undefined names the hand-written finder reported, as semantic validation used it
    (a package's ``__init__`` may use the submodules it imports from)."""
    try:
        tree = ast.parse(content)
    except SyntaxError:
        return set()
    submodules = {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if path.endswith("__init__.py")
        and isinstance(node, ast.ImportFrom)
        and node.level == 1
        and node.module
    }
    return {u.name for u in undefined_names(tree, content, path)} - submodules


def ruff_finds(issues: list, path: str, name: str) -> bool:
    return any(
        i.severity == "error" and i.kind == "name" and i.path == path and f"`{name}`" in i.message
        for i in issues
    )


def name_verdicts(
    package: str,
    files: list[SourceFile],
    references: dict[str, str],
    rng: random.Random,
) -> list[Verdict]:
    """Undefined-name corruptions: one in the package's largest module, and one in each of
    a seeded sample of the other modules that offer one."""
    modules = [(f.path, f.content) for f in files] + sorted(references.items())
    options = {path: name_corruptions(path, content) for path, content in modules}
    largest = max(modules, key=lambda m: len(m[1]))[0]
    others = sorted(p for p, found in options.items() if found and p != largest)
    chosen = ([largest] if options[largest] else []) + rng.sample(
        others, min(NAME_SAMPLES_PER_PACKAGE, len(others))
    )
    verdicts: list[Verdict] = []
    for path in chosen:
        kind, content, name = rng.choice(options[path])
        if path in references:
            issues = validate_code(files, references={**references, path: content}).issues
            before = False  # `quantumlayer validate` reads an oversized module only for its names
        else:
            changed = [
                f.model_copy(update={"content": content}) if f.path == path else f for f in files
            ]
            issues = validate_code(changed, references=references).issues
            before = name in hand_written_names(path, content)
        after = ruff_finds(issues, path, name)
        where = "reference" if path in references else "file"
        verdicts.append(Verdict(kind, after, before, before))
        verdict = {True: "caught", False: "missed"}
        print(
            f"names_{package}: {path} ({where}) {kind} `{name}` "
            f"hand_written={verdict[before]} ruff={verdict[after]}"
        )
    return verdicts


def main() -> int:
    rng = random.Random(10)
    name_rng = random.Random(18)
    verdicts: list[Verdict] = []
    references_checked = 0
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
        # before ruff: the same findings without ruff's, plus the hand-written finder's
        hand_bad = {
            i.path for i in report.issues if i.severity == "error" and not _from_ruff(i)
        } | {f.path for f in files if hand_written_names(f.path, f.content)}
        verdicts += [
            Verdict("clean", f.path not in bad, f.path not in old_bad, f.path not in hand_bad)
            for f in files
        ]
        verdicts += [Verdict("clean", p not in bad, True, True) for p in references]
        references_checked += len(references)
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
            now = caught(kind, issues, source.path, line, baseline=False)
            verdicts.append(
                Verdict(kind, now, caught(kind, issues, source.path, line, baseline=True), now)
            )
        verdicts += name_verdicts(name, files, references, name_rng)
    seconds = time.perf_counter() - started
    clean = [v for v in verdicts if v.kind == "clean"]
    corrupted = [v for v in verdicts if v.kind != "clean"]
    print(f"packages: {len(PACKAGES)}")
    print(f"clean_files: {len(clean) - references_checked}")
    print(f"clean_references: {references_checked}")
    print(f"corrupted_trees: {len(corrupted)}")
    print(f"accuracy: {sum(v.caught for v in verdicts) / len(verdicts):.4f}")
    print(f"false_valid: {sum(not v.caught for v in corrupted)}")
    print(f"false_invalid: {sum(not v.caught for v in clean)}")
    for kind in ("sibling_name", "missing_module", "arity", *NAME_KINDS):
        of_kind = [v for v in corrupted if v.kind == kind]
        if of_kind:
            print(f"caught_{kind}: {sum(v.caught for v in of_kind)}/{len(of_kind)}")
            print(
                f"baseline_caught_{kind}: {sum(v.baseline_caught for v in of_kind)}/{len(of_kind)}"
            )
            hand = sum(v.hand_written_caught for v in of_kind)
            print(f"hand_written_caught_{kind}: {hand}/{len(of_kind)}")
    print(f"baseline_accuracy: {sum(v.baseline_caught for v in verdicts) / len(verdicts):.4f}")
    print(f"baseline_false_valid: {sum(not v.baseline_caught for v in corrupted)}")
    print(f"baseline_false_invalid: {sum(not v.baseline_caught for v in clean)}")
    hand_accuracy = sum(v.hand_written_caught for v in verdicts) / len(verdicts)
    print(f"hand_written_accuracy: {hand_accuracy:.4f}")
    print(f"hand_written_false_valid: {sum(not v.hand_written_caught for v in corrupted)}")
    print(f"hand_written_false_invalid: {sum(not v.hand_written_caught for v in clean)}")
    print(f"seconds: {seconds:.1f}")
    return 0


def _from_ruff(issue) -> bool:
    return issue.kind == "name" and issue.code is not None


if __name__ == "__main__":
    raise SystemExit(main())
