"""``quantumlayer complete FILE.py``: the engine on a file of stubs, on the scripted provider
(the hosted-model edge): the completed file on stdout (or written back), progress on stderr,
``--json`` fields, and each exit path (0 completed, 1 the LLM could not be used, 2 bad input
in one line)."""

import json
from pathlib import Path

import pytest

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from tests.fixtures.sandbox_modes import bwrap_only

STUBS = '''"""Arithmetic."""


def add(a: int, b: int) -> int:
    """Add two numbers.

    >>> add(2, 3)
    5
    """
    ...


def halve(n: int) -> float:
    """Half of n.

    >>> halve(3)
    1.5
    """
    raise NotImplementedError


def done(x: int) -> int:
    return x
'''
REPLIES = {
    "code_tree": {
        "calc.py::add": [
            "def add(a, b):\n    return a - b\n",
            "def add(a, b):\n    return a + b\n",
        ],
        "calc.py::halve": "def halve(n):\n    return n / 2\n",
    }
}


@pytest.fixture
def stubs(tmp_path: Path, settings, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("QL_HOME", str(settings.home))
    monkeypatch.setenv("QL_LLM_CONFIG", str(settings.llm_config))
    path = tmp_path / "calc.py"
    path.write_text(STUBS)
    return path


@bwrap_only
def test_complete_prints_the_file_with_every_stub_written_and_progress_on_stderr(
    stubs, register_script, capsys
):
    register_script(stages={}, files=REPLIES)
    assert main(["complete", str(stubs)]) == EXIT_OK
    out, err = capsys.readouterr()
    assert "    return a + b\n" in out and "    return n / 2\n" in out
    assert "def done(x: int) -> int:\n    return x\n" in out  # not a stub: untouched
    assert "code_tree: writing 2 function bodies (round 1)" in err
    assert "add: written, examples 1/1" in err
    assert stubs.read_text() == STUBS  # stdout only, unless --write


@bwrap_only
def test_complete_json_holds_the_source_and_per_function_candidate_examples_calls_tokens(
    stubs, register_script, capsys
):
    register_script(stages={}, files=REPLIES)
    assert main(["complete", str(stubs), "--json"]) == EXIT_OK
    result = json.loads(capsys.readouterr().out)
    assert "    return a + b\n" in result["source"]
    add, halve = result["functions"]
    assert (
        add["name"] == "add"
        and add["written"]
        and add["kept_candidate"]
        == {
            "round": 2,
            "candidate": None,
        }
    )
    assert (add["examples_passed"], add["examples_total"], add["attempts"], add["calls"]) == (
        1,
        1,
        2,
        2,
    )
    assert add["examples"][0] == {
        "call": "add(2, 3)",
        "expected": "5",
        "passed": True,
        "detail": "returned 5",
    }
    assert add["tokens_in"] > 0 and add["tokens_out"] > 0
    assert (halve["calls"], result["calls"]) == (1, 3)
    assert result["tokens_out"] == add["tokens_out"] + halve["tokens_out"]


@bwrap_only
def test_complete_write_writes_the_file_back(stubs, register_script, capsys):
    register_script(stages={}, files=REPLIES)
    assert main(["complete", str(stubs), "--write"]) == EXIT_OK
    assert "    return n / 2\n" in stubs.read_text()
    assert capsys.readouterr().out == ""


@bwrap_only
def test_complete_function_writes_only_the_one_named(stubs, register_script, capsys):
    provider = register_script(stages={}, files=REPLIES)
    assert main(["complete", str(stubs), "--function", "halve"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "    return n / 2\n" in out and "    ...\n" in out
    assert [r.file for r in provider.requests] == ["calc.py::halve"]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (None, [], "error: no such file: "),
        ("def f(:\n", [], "does not parse (line 1)"),
        ("def f():\n    return 1\n", [], "has no function to complete: a stub's body is"),
        (STUBS, ["--function", "nope"], "has no stub named 'nope' (stubs: add, halve)"),
    ],
    ids=["missing", "syntax", "no-stub", "unknown-function"],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, content, args, message):
    path = tmp_path / "x.py"
    if content is not None:
        path.write_text(content)
    assert main(["complete", str(path), *args]) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and message in err


def test_a_binary_file_is_refused_with_exit_2(tmp_path, capsys):
    path = tmp_path / "x.py"
    path.write_bytes(b"\xff\xfe\x00binary")
    assert main(["complete", str(path)]) == EXIT_USAGE
    assert "is not UTF-8 text" in capsys.readouterr().err


def test_a_model_that_cannot_be_reached_is_exit_1_naming_why(stubs, register_script, capsys):
    register_script(stages={}, files={})  # nothing scripted: every request fails
    assert main(["complete", str(stubs)]) == EXIT_FAILED
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("error: stage code_tree: ") and "no reply for stage 'code_tree'" in err
