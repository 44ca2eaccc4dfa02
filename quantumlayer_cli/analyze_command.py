"""``quantumlayer analyze PATH``: stage 11 (radon metrics, hotspots, suggestions) on any tree."""

import argparse
import json

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from quantumlayer_dagster.analysis.tree_input import CodeTreeInputError, load_tree
from quantumlayer_dagster.quality.gates import DEFAULT_MAX_COMPLEXITY, complexity_budget
from quantumlayer_dagster.stages.performance_report import analyze_performance


def analyze(args: argparse.Namespace) -> int:
    """Analyse ``args.path``; exit 0 within the complexity budget, 1 over it, 2 on a
    usage error."""
    # Ranges are checked when the command line is read (quantumlayer_cli/arguments.py).
    budget = DEFAULT_MAX_COMPLEXITY if args.max_complexity is None else args.max_complexity
    try:
        tree = load_tree(args.path)
    except CodeTreeInputError as exc:
        print(f"error: {exc}")
        return EXIT_USAGE
    report = analyze_performance(tree.files, hotspot_count=args.hotspots)
    gate = complexity_budget(report, budget)
    if args.json:
        out = report.model_dump(mode="json")
        out.update(
            within_budget=gate.passed,
            budget=budget,
            skipped=[s.model_dump() for s in tree.skipped],
        )
        print(json.dumps(out, indent=2))
    else:
        print(report.markdown())
        for skipped in tree.skipped:
            print(f"skipped {skipped.path}: {skipped.reason}")
        print(("within budget: " if gate.passed else "OVER BUDGET: ") + gate.detail)
    return EXIT_OK if gate.passed else EXIT_FAILED
