"""``quantumlayer verify CAPSULE``."""

import argparse
from pathlib import Path

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from quantumlayer_dagster.packaging.archive import verify_capsule


def verify(args: argparse.Namespace) -> int:
    path = Path(args.capsule)
    if not path.is_file():
        print(f"error: {path} is not a file")
        return EXIT_USAGE
    result = verify_capsule(path)
    if result.ok:
        print(f"ok: {result.checked} files match capsule.json ({path})")
        return EXIT_OK
    print(f"FAILED: {len(result.problems)} problems in {path}")
    for problem in result.problems:
        print(f"  - {problem}")
    return EXIT_FAILED
