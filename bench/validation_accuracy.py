"""Benchmark: semantic validation (stage 6) against the labelled corpus of real code.

Every file under ``tests/data/validation_corpus`` listed in its ``labels.yaml`` is validated
on its own. Prints ``name: value`` lines: ``accuracy`` (verdict right and, for invalid
files, the labelled kind found), ``false_valid`` (invalid files passed), ``false_invalid``
(valid files failed), ``kind_mismatch`` (invalid files caught under another kind), then
the same per language, then one line per wrong file. The baseline, measured in the same
run, is tree-sitter alone (a file is valid when its grammar finds no ERROR/MISSING node):
``baseline_accuracy`` shows what the compile, name and import checks add.

    .venv/bin/python bench/validation_accuracy.py
"""

import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quantumlayer_dagster.analysis.parsing import syntax_errors
from tests.fixtures.validation_corpus import CORPUS, CorpusResult, evaluate_corpus, labels


def _summary(prefix: str, results: list[CorpusResult]) -> list[str]:
    correct = sum(r.correct for r in results)
    false_valid = sum(not r.expected_valid and r.found_valid for r in results)
    false_invalid = sum(r.expected_valid and not r.found_valid for r in results)
    kind_mismatch = sum(
        not r.expected_valid and not r.found_valid and not r.correct for r in results
    )
    return [
        f"{prefix}files: {len(results)}",
        f"{prefix}accuracy: {correct / len(results):.4f}",
        f"{prefix}false_valid: {false_valid}",
        f"{prefix}false_invalid: {false_invalid}",
        f"{prefix}kind_mismatch: {kind_mismatch}",
    ]


def _baseline() -> list[str]:
    """Accuracy of tree-sitter alone on the same labelled files."""
    right = false_valid = 0
    labelled = labels()
    for path, label in labelled.items():
        found = syntax_errors(path, (CORPUS / path).read_text(encoding="utf-8"))
        found_valid = found == []
        expected_valid = label["expect"] == "valid"
        right += found_valid == expected_valid
        false_valid += found_valid and not expected_valid
    return [
        f"baseline_accuracy: {right / len(labelled):.4f}",
        f"baseline_false_valid: {false_valid}",
    ]


def main() -> int:
    started = time.perf_counter()
    results = evaluate_corpus()
    seconds = time.perf_counter() - started
    lines = _summary("", results)
    by_language: dict[str, list[CorpusResult]] = defaultdict(list)
    for result in results:
        by_language[result.language].append(result)
    for language in sorted(by_language):
        lines += _summary(f"{language}.", by_language[language])
    lines.append(f"seconds: {seconds:.2f}")
    lines += _baseline()
    for r in results:
        if not r.correct:
            expected = "valid" if r.expected_valid else f"invalid ({r.expected_kind})"
            found = "valid" if r.found_valid else f"invalid: {r.first_issue}"
            lines.append(f"wrong: {r.path} expected {expected}, found {found}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
