"""``quantumlayer test PATH``: any tree's tests in the sandbox, as JSON or a table."""

import json
from pathlib import Path

import pytest

from quantumlayer_cli import main
from quantumlayer_dagster.testing.node_test_run import find_node, node_problem


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


CALC = {
    "calc/__init__.py": "def add(a, b):\n    return a + b\n",
    "tests/test_calc.py": (
        "import time\n\nfrom calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\n"
        "def test_wrong():\n    time.sleep(0.3)\n    assert add(2, 2) == 5\n"
    ),
}
"""Two tests; the failing one takes at least 0.3 s, which its reported duration shows."""


@pytest.mark.sandbox
def test_json_lists_counts_and_every_test_and_exits_1_on_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["test", str(write_tree(tmp_path, CALC)), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert (out["passed"], out["failed"], out["errors"], out["timed_out"]) == (1, 1, 0, False)
    assert [(t["name"], t["outcome"]) for t in out["tests"]] == [
        ("tests.test_calc::test_add", "passed"),
        ("tests.test_calc::test_wrong", "failed"),
    ]
    durations = {t["name"]: t["duration"] for t in out["tests"]}
    assert durations["tests.test_calc::test_wrong"] >= 0.3
    assert durations["tests.test_calc::test_add"] < durations["tests.test_calc::test_wrong"]
    assert out["coverage_percent"] == 100.0


@pytest.mark.sandbox
def test_all_passing_tree_exits_0_with_a_readable_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        **CALC,
        "tests/test_calc.py": CALC["tests/test_calc.py"].split("\n\n\ndef test_wrong")[0],
    }
    code = main(["test", str(write_tree(tmp_path, files))])
    out = capsys.readouterr().out
    assert code == 0
    assert "PASSED  " in out and "tests.test_calc::test_add" in out
    assert "PASSED: 1 passed, 0 failed" in out
    assert "isolation: " in out


@pytest.mark.sandbox
def test_binary_file_is_skipped_with_its_reason_and_the_rest_still_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(tmp_path, CALC)
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\x00\x00")
    main(["test", str(tmp_path), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["skipped_files"] == [
        {"path": "logo.png", "reason": "binary file (contains NUL bytes)"}
    ]
    assert out["passed"] == 1


@pytest.mark.skipif(node_problem(find_node()) is not None, reason=f"{node_problem(find_node())}")
@pytest.mark.sandbox
def test_javascript_tree_runs_with_node(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "package.json": '{"name": "m"}\n',
        "index.js": "exports.twice = (x) => 2 * x;\n",
        "test/index.test.js": (
            "const test = require('node:test');\nconst assert = require('node:assert');\n"
            "test('doubles', () => assert.strictEqual(require('../index.js').twice(2), 4));\n"
        ),
    }
    code = main(["test", str(write_tree(tmp_path, files)), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out["summary"]
    assert out["runner"] == "node"
    assert [(t["name"], t["outcome"]) for t in out["tests"]] == [("test::doubles", "passed")]


@pytest.mark.parametrize(
    "make", [lambda p: p / "missing", lambda p: write_tree(p, {"f.py": ""}) / "f.py"]
)
def test_bad_path_is_a_usage_error_with_a_message_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make
) -> None:  # type: ignore[no-untyped-def]
    code = main(["test", str(make(tmp_path)), "--json"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith("error: ")
    assert "Traceback" not in captured.err + captured.out
