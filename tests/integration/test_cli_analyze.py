"""``quantumlayer analyze PATH``: radon metrics, hotspots and the complexity budget."""

import json

import pytest

from quantumlayer_cli import main

BRANCHY = (
    "def route(kind):\n"
    + "".join(
        f"    {'if' if i == 0 else 'elif'} kind == {i}:\n        return {i}\n" for i in range(17)
    )
    + "    return -1\n"
)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "router.py").write_text(BRANCHY)
    (tmp_path / "app" / "small.py").write_text("def add(a, b):\n    return a + b\n")
    (tmp_path / "app" / "broken.py").write_text("def broken(:\n")
    (tmp_path / "app" / "data.bin").write_bytes(b"\x00\x01\x02")
    return tmp_path


def analyze(capsys, *args):
    code = main(["analyze", *map(str, args)])
    return code, capsys.readouterr().out


def test_json_report_has_ranked_functions_modules_hotspots_and_suggestions(tree, capsys):
    code, out = analyze(capsys, tree, "--json")
    assert code == 1  # route has complexity 18, over the default budget of 15
    report = json.loads(out)
    route = next(f for f in report["functions"] if f["name"] == "route")
    assert (route["complexity"], route["rank"], route["path"], route["line"]) == (
        18,
        "C",
        "app/router.py",
        1,
    )
    assert report["hotspots"][0]["name"] == "route"
    assert {m["path"] for m in report["modules"]} == {"app/router.py", "app/small.py"}
    module = next(m for m in report["modules"] if m["path"] == "app/small.py")
    assert {"maintainability_index", "mi_rank", "sloc", "halstead"} <= set(module)
    assert any(s["path"] == "app/router.py" and s["line"] == 1 for s in report["suggestions"])
    assert [e["path"] for e in report["errors"]] == ["app/broken.py"]
    assert report["skipped"][0]["path"] == "app/data.bin"
    assert (report["within_budget"], report["budget"], report["max_complexity"]) == (False, 15, 18)


def test_within_a_larger_budget_exits_0(tree, capsys):
    code, out = analyze(capsys, tree, "--max-complexity", "20")
    assert code == 0
    assert out.strip().splitlines()[-1].startswith("within budget: max complexity 18 (budget 20)")


def test_readable_report_names_the_hotspot_and_the_overrun(tree, capsys):
    code, out = analyze(capsys, tree)
    assert code == 1
    assert "| `route` | `app/router.py:1` | 18 | C |" in out
    assert "OVER BUDGET: max complexity 18 (budget 15) at app/router.py:1" in out
    assert "skipped app/data.bin: binary file" in out


def test_bad_path_and_bad_budget_are_usage_errors(tmp_path, capsys):
    code, out = analyze(capsys, tmp_path / "missing")
    assert code == 2 and out.startswith("error: ") and "no such file or folder" in out
    assert main(["analyze", str(tmp_path), "--max-complexity", "0"]) == 2
    assert "--max-complexity" in capsys.readouterr().err
