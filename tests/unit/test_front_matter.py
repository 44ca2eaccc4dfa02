"""A prompt file chooses its request's language in a front-matter block; anything else in
the block refuses the prompt with a one-line reason."""

import argparse
from pathlib import Path

import pytest

from quantumlayer_cli import build_parser
from quantumlayer_cli.request_input import request_from_args
from quantumlayer_dagster.intake.front_matter import (
    read_request_file,
    split_front_matter,
    with_front_matter,
)
from quantumlayer_dagster.intake.prompt_checks import PromptRejected

PROMPT = "Build a small library of string utilities.\n"


def refused(text: str) -> str:
    with pytest.raises(PromptRejected) as caught:
        split_front_matter(text, "p.txt")
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_language_line_in_the_block_is_read_and_the_block_removed() -> None:
    text = f"---\nlanguage: TypeScript\n---\n{PROMPT}"
    assert split_front_matter(text) == (PROMPT, {"language": "typescript"})


def test_a_prompt_without_a_block_is_unchanged() -> None:
    assert split_front_matter(PROMPT) == (PROMPT, {})


def test_an_unknown_key_is_refused_naming_the_line_and_the_known_keys() -> None:
    message = refused(f"---\nmodel: gpt\n---\n{PROMPT}")
    assert message == (
        "p.txt line 2: 'model: gpt' is not a known front-matter setting (known: language, "
        "written as `key: value`)"
    )


def test_an_unknown_language_is_refused_with_the_languages_accepted() -> None:
    message = refused(f"---\nlanguage: cobol\n---\n{PROMPT}")
    assert message == "p.txt line 2: language 'cobol' is not one of python, typescript, javascript"


def test_a_block_never_closed_is_refused() -> None:
    assert "never closes it" in refused(f"---\nlanguage: javascript\n{PROMPT}")


def test_a_prompt_that_is_only_a_block_is_refused_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text("---\nlanguage: javascript\n---\n\n")
    with pytest.raises(PromptRejected, match="is empty"):
        read_request_file(path)


def args_for(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["run", *argv])


def test_run_takes_the_language_from_the_file_and_the_option_wins(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text(f"---\nlanguage: javascript\n---\n{PROMPT}")
    prompt, options = request_from_args(args_for(str(path)))
    assert (prompt, options.language) == (PROMPT, "javascript")
    _, chosen = request_from_args(args_for(str(path), "--language", "typescript"))
    assert chosen.language == "typescript"


def test_run_defaults_to_python(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text(PROMPT)
    assert request_from_args(args_for(str(path)))[1].language == "python"


def test_an_unknown_language_option_is_refused_in_one_line(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as caught:
        args_for("p.txt", "--language", "cobol")
    assert caught.value.code == 2
    assert "invalid choice: 'cobol'" in capsys.readouterr().err


def test_a_block_written_for_an_upload_reads_back_the_same() -> None:
    text = with_front_matter(PROMPT, {"language": "javascript"})
    assert text.startswith("---\nlanguage: javascript\n---\n")
    assert split_front_matter(text) == (PROMPT, {"language": "javascript"})
