"""The `quantumlayer` command: `run` on a good prompt and on each kind of bad one, `verify`."""

import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from quantumlayer_cli import EXIT_FAILED, EXIT_GATE_STOPPED, EXIT_OK, EXIT_USAGE, main
from quantumlayer_dagster.artifacts.limits import PROMPT_MAX_BYTES
from tests.fixtures import wordcount

BAD_PROMPTS = {
    "empty": (b"", "is empty"),
    "whitespace": (b"  \n\t\n", "is empty"),
    "binary": (b"\x7fELF\x02\x01\x00\x00payload", "binary"),
    "latin1": ("caf\u00e9 app please".encode("latin-1"), "not UTF-8"),
    "too_big": (b"a" * (PROMPT_MAX_BYTES + 1), "over the"),
}


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "quantumlayer"), *args],  # the console script
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@pytest.mark.parametrize("kind", sorted(BAD_PROMPTS))
def test_run_refuses_a_bad_prompt_with_one_line_and_exit_2(tmp_path: Path, kind: str):
    data, reason = BAD_PROMPTS[kind]
    prompt = tmp_path / f"{kind}.txt"
    prompt.write_bytes(data)
    home = tmp_path / "home"
    result = run_cli("run", str(prompt), env={"QL_HOME": str(home), "PATH": "/usr/bin:/bin"})
    assert result.returncode == EXIT_USAGE
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and reason in lines[0]
    # Refused before any run started: nothing stored but the refusal's audit record.
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*")) == [
        "dagster",
        "dagster/ql_audit.db",
    ]


def test_run_refuses_a_missing_file(tmp_path: Path):
    result = run_cli("run", str(tmp_path / "nope.txt"), env={"QL_HOME": str(tmp_path / "h")})
    assert result.returncode == EXIT_USAGE
    assert "does not exist" in result.stdout


@pytest.mark.slow
@pytest.mark.sandbox
def test_run_on_a_good_prompt_prints_progress_gates_and_a_verified_capsule(
    tmp_path, settings, register_script, monkeypatch, capsys
):
    register_script()
    monkeypatch.setenv("QL_HOME", str(settings.home))
    monkeypatch.setenv("QL_LLM_CONFIG", str(settings.llm_config))
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(wordcount.PROMPT)
    assert main(["run", str(prompt), "--tenant", "acme"]) == EXIT_OK
    out = capsys.readouterr().out
    for stage in (
        "enhanced_prompt: done",
        "code_tree: writing 2 function bodies (round 1)",
        "capsule: done",
    ):
        assert stage in out
    assert "tests_pass" in out and "FAIL" not in out
    capsule = (
        out.split(
            "capsule: ",
        )[-1]
        .strip()
        .splitlines()[0]
    )
    assert Path(capsule).is_file()
    assert Path(capsule).parent == settings.artifacts_dir / "tenants" / "acme" / "capsules"
    assert main(["verify", capsule]) == EXIT_OK
    assert "files match capsule.json" in capsys.readouterr().out


@pytest.mark.slow
def test_run_that_fails_exits_1_with_the_stage_and_reason(
    tmp_path, settings, register_script, monkeypatch, capsys
):
    register_script(stages={**wordcount.STAGE_REPLIES, "enhanced_prompt": "{}"})
    monkeypatch.setenv("QL_HOME", str(settings.home))
    monkeypatch.setenv("QL_LLM_CONFIG", str(settings.llm_config))
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(wordcount.PROMPT)
    assert main(["run", str(prompt)]) == EXIT_FAILED
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("error: stage enhanced_prompt failed: ")


@pytest.mark.slow
@pytest.mark.sandbox  # the run reaches test_suite, which runs pytest under bwrap
def test_run_stopped_by_a_blocking_gate_exits_4_with_the_reason_and_what_to_try(
    tmp_path, settings, register_script, monkeypatch, capsys
):
    key = "AKIA" + "Z7QW3RTY5UIO9PLK"  # written whole into the generated code only
    leaky = wordcount.COUNT_WORDS_BODY.replace("import re\n", f'import re\n\nTOKEN = "{key}"\n')
    bodies = {**wordcount.FILE_REPLIES["code_tree"], wordcount.COUNT_WORDS: leaky}
    register_script(files={**wordcount.FILE_REPLIES, "code_tree": bodies})
    monkeypatch.setenv("QL_HOME", str(settings.home))
    monkeypatch.setenv("QL_LLM_CONFIG", str(settings.llm_config))
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(wordcount.PROMPT)
    assert main(["run", str(prompt)]) == EXIT_GATE_STOPPED
    error, hint = capsys.readouterr().out.strip().splitlines()[-2:]
    assert error.startswith("error: gate no_high_severity_findings failed: ")
    assert "examples/llm/" in hint


def test_verify_reports_a_tampered_capsule(tmp_path: Path):
    from quantumlayer_dagster.artifacts.capsule import CapsuleManifest
    from quantumlayer_dagster.packaging.archive import build_capsule

    manifest = CapsuleManifest(request_id="r1", prompt_sha256="0" * 64)
    good = tmp_path / "good.tar.gz"
    good.write_bytes(build_capsule({"project/a.py": b"x = 1\n"}, manifest))
    assert run_cli("verify", str(good)).returncode == EXIT_OK

    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(good) as src, tarfile.open(bad, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name == "project/a.py":
                data = b"x = 2\n"
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    result = run_cli("verify", str(bad))
    assert result.returncode == EXIT_FAILED
    assert "project/a.py" in result.stdout


def test_verify_of_a_missing_file_is_a_usage_error(tmp_path: Path):
    assert run_cli("verify", str(tmp_path / "none.tar.gz")).returncode == EXIT_USAGE
