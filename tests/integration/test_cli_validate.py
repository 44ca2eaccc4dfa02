"""``quantumlayer validate PATH [--json]`` on trees on disk: verdict, issues, exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main


def _tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, dict]:
    code = main(argv)
    return code, json.loads(capsys.readouterr().out)


def test_valid_tree_exits_0_with_no_issues(tmp_path, capsys):
    _tree(
        tmp_path,
        {
            "app/main.py": "import os\n\nprint(os.getcwd())\n",
            "web/a.ts": "export const x: number = 1;\n",
        },
    )
    code, out = _json(capsys, ["validate", str(tmp_path), "--json"])
    assert code == EXIT_OK
    assert out["valid"] is True
    assert out["issues"] == []
    assert out["files_validated"] == 2


def test_invalid_tree_lists_each_issue_with_relative_path_and_kind(tmp_path, capsys):
    _tree(
        tmp_path,
        {
            "app/main.py": "def run(items):\n    return [i for i in itmes]\n",
            "app/bad.py": "def f(:\n    pass\n",
            "src/main.go": 'package main\n\nfunc main() {\n\tprintln("hi"\n}\n',
            "src/Lib.java": "class Lib {\n  int f() {\n    int x = 1\n    return x;\n  }\n}\n",
        },
    )
    code, out = _json(capsys, ["validate", str(tmp_path), "--json"])
    assert code == EXIT_FAILED
    assert out["valid"] is False
    found = {(i["path"], i["kind"], i["line"]) for i in out["issues"]}
    assert found == {
        ("app/bad.py", "syntax", 1),
        ("app/main.py", "name", 2),
        ("src/Lib.java", "syntax", 3),
        ("src/main.go", "syntax", 4),
    }
    for issue in out["issues"]:
        assert set(issue) >= {"path", "line", "column", "severity", "kind", "message"}
        assert issue["severity"] == "error"
    name = next(i for i in out["issues"] if i["kind"] == "name")
    assert name["message"] == "Undefined name `itmes` (did you mean `items`?)"
    assert name["code"] == "F821"


def test_binary_huge_and_non_utf8_files_are_skipped_and_the_rest_checked(tmp_path, capsys):
    _tree(
        tmp_path,
        {
            "ok.py": "x = 1\n",
            "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00",
            "latin.py": "s = 'caf\xe9'\n".encode("latin-1"),
            "big.py": "x = 1\n" * 20_000,
        },
    )
    code, out = _json(capsys, ["validate", str(tmp_path), "--json"])
    assert code == EXIT_OK
    assert out["files_validated"] == 1
    assert {s["path"] for s in out["skipped"]} == {"logo.png", "latin.py", "big.py"}
    assert all(s["reason"] for s in out["skipped"])


def test_import_declared_in_requirements_txt_is_resolved(tmp_path, capsys):
    _tree(
        tmp_path,
        {
            "app.py": "import frobnicator_zz\n\nfrobnicator_zz.run()\n",
            "requirements.txt": "frobnicator-zz==1.0\n",
        },
    )
    code, out = _json(capsys, ["validate", str(tmp_path), "--json"])
    assert (code, out["issues"]) == (EXIT_OK, [])
    (tmp_path / "requirements.txt").unlink()
    code, out = _json(capsys, ["validate", str(tmp_path), "--json"])
    assert code == EXIT_FAILED
    assert [i["kind"] for i in out["issues"]] == ["import"]


def test_tree_with_nothing_to_validate_is_not_reported_valid(tmp_path, capsys):
    _tree(tmp_path, {"README.md": "# hi\n"})
    code, out = _json(capsys, ["validate", str(tmp_path), "--json"])
    assert code == EXIT_FAILED
    assert out["valid"] is False
    assert out["files_not_validated"] == ["README.md"]


def test_table_output_names_each_issue_and_the_verdict(tmp_path, capsys):
    _tree(tmp_path, {"web/app.js": "function f(a) {\n  return g(a));\n}\n"})
    assert main(["validate", str(tmp_path)]) == EXIT_FAILED
    out = capsys.readouterr().out
    assert "web/app.js:2:14" in out
    assert "unexpected `)`" in out
    assert out.strip().splitlines()[-1].startswith("INVALID: 1 files validated, 1 errors")


@pytest.mark.parametrize("make", ["missing", "file"])
def test_bad_path_is_a_usage_error_without_traceback(tmp_path, make):
    target = tmp_path / "nope"
    if make == "file":
        target.write_text("x = 1\n")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "quantumlayer"), "validate", str(target), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == EXIT_USAGE
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.startswith("error: ")
    assert str(target) in result.stdout
