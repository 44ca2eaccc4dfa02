"""Every CLI number is validated when the command line is read, and refused in one line
naming the option and the allowed range (``--max-files 0``, ``--timeout nan``); a
non-UTF-8 LLM config gets one line too; environment numbers (``QL_UPLOAD_BATCH``) likewise.
No traceback reaches the user."""

from pathlib import Path

import pytest

from quantumlayer_cli import EXIT_USAGE, main
from quantumlayer_dagster.artifacts.limits import MAX_PROJECT_FILES
from tests.fixtures import wordcount


@pytest.fixture
def prompt_file(tmp_path: Path) -> Path:
    path = tmp_path / "wordcount.txt"
    path.write_text(wordcount.PROMPT)
    return path


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    return captured.err


@pytest.mark.parametrize("value", ["0", "-1", str(MAX_PROJECT_FILES + 1), "abc", "1.5", ""])
@pytest.mark.parametrize("command", ["run", "launch"])
def test_max_files_outside_its_range_is_refused_naming_option_and_range(
    command: str, value: str, prompt_file: Path, capsys
) -> None:
    err = refused([command, str(prompt_file), "--max-files", value], capsys)
    assert "--max-files" in err
    assert f"1 to {MAX_PROJECT_FILES}" in err


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-5", "abc", "1e9"])
def test_a_test_timeout_that_is_not_a_finite_positive_number_is_refused(
    value: str, tmp_path: Path, capsys
) -> None:
    err = refused(["test", str(tmp_path), f"--timeout={value}"], capsys)
    assert "--timeout" in err
    assert "more than 0" in err or "above 0" in err


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["analyze", ".", "--hotspots", "-1"], "--hotspots"),
        (["analyze", ".", "--max-complexity", "0"], "--max-complexity"),
        (["llm", "serve", "--port", "70000"], "--port"),
        (["llm", "serve", "--port", "0x50"], "--port"),
    ],
)
def test_other_numbers_outside_their_range_are_refused(argv, option, capsys) -> None:
    assert option in refused(argv, capsys)


@pytest.mark.parametrize("tenant", ["../other", "ACME", "", "a" * 64, "\u00e1cme", "a/b"])
@pytest.mark.parametrize("command", ["run", "submit", "launch"])
def test_a_tenant_that_is_not_a_plain_name_is_refused(command, tenant, prompt_file, capsys) -> None:
    err = refused([command, str(prompt_file), "--tenant", tenant], capsys)
    assert "--tenant" in err and "tenant name" in err


def test_a_non_utf8_llm_config_is_refused_in_one_line(tmp_path: Path, capsys) -> None:
    config = tmp_path / "llm.yaml"
    config.write_bytes("groups:\n  g\xfcnstig: {}\n".encode("latin-1"))
    code = main(["llm", "check", "--config", str(config)])
    captured = capsys.readouterr()
    assert code != 0
    output = captured.err + captured.out
    assert "not UTF-8" in output and "Traceback" not in output
    assert output.strip().count("\n") == 0, output


@pytest.mark.parametrize("value", ["0", "-1", "abc"])
def test_an_upload_batch_outside_its_range_is_refused_naming_the_variable(
    value: str, prompt_file: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    # Settings are validated by pydantic-settings (issue 9); this holds once that lands.
    monkeypatch.setenv("QL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QL_STORE", "local")
    monkeypatch.setenv("QL_UPLOAD_BATCH", value)
    code = main(["submit", str(prompt_file)])
    captured = capsys.readouterr()
    assert code == EXIT_USAGE, captured
    assert "QL_UPLOAD_BATCH" in captured.err
    assert captured.err.strip().count("\n") == 0 and "Traceback" not in captured.err
