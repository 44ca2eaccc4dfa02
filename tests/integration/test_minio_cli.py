"""`quantumlayer submit` and `quantumlayer fetch` against the moto S3 server and the local
folders: what a user sees when it works and when it cannot."""

from pathlib import Path

import pytest

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.store.keys import asset_key
from resources.artifact_store import open_artifact_store
from tests.fixtures import wordcount
from tests.fixtures.s3_server import S3Server, unused_endpoint

pytestmark = pytest.mark.server

REQUEST_ID = "r20240309170542-0a1b2c3d"


def use_minio(monkeypatch: pytest.MonkeyPatch, endpoint: str, bucket: str, home: Path) -> None:
    """The environment a platform user has: QL_STORE=minio and the keys."""
    for name, value in {
        "QL_HOME": str(home),
        "QL_STORE": "minio",
        "QL_S3_ENDPOINT": endpoint,
        "QL_S3_BUCKET": bucket,
        "QL_PROMPTS_BUCKET": f"{bucket}-prompts",
        "QL_S3_ACCESS_KEY": "test-access",
        "QL_S3_SECRET_KEY": "test-secret",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def prompt_file(tmp_path: Path) -> Path:
    path = tmp_path / "word count.txt"
    path.write_text(wordcount.PROMPT)
    return path


def test_submit_uploads_the_prompt_under_incoming_and_prints_the_key(
    s3_server: S3Server, bucket_name: str, tmp_path: Path, prompt_file: Path, monkeypatch, capsys
) -> None:
    use_minio(monkeypatch, s3_server.endpoint, bucket_name, tmp_path / "home")
    assert main(["submit", str(prompt_file)]) == EXIT_OK
    key = capsys.readouterr().out.strip()
    assert key.startswith("incoming/") and key.endswith("-word_count.txt")
    inbox = open_artifact_store(Settings.from_env()).prompts()
    assert inbox.list_keys("incoming/") == [key]
    assert inbox.get_bytes(key) == prompt_file.read_bytes()


def test_submit_to_the_local_store_writes_into_the_prompts_folder(
    tmp_path: Path, prompt_file: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("QL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("QL_STORE", raising=False)
    assert main(["submit", str(prompt_file)]) == EXIT_OK
    key = capsys.readouterr().out.strip()
    assert (tmp_path / "home" / "prompts" / key).read_text() == wordcount.PROMPT


def test_submit_refuses_a_bad_prompt_before_uploading(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("QL_HOME", str(tmp_path / "home"))
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01")
    assert main(["submit", str(bad)]) == EXIT_USAGE
    assert "binary" in capsys.readouterr().err
    assert not (tmp_path / "home" / "prompts").exists()


def test_submit_without_the_keys_says_which_to_set(
    s3_server: S3Server, bucket_name: str, tmp_path: Path, prompt_file: Path, monkeypatch, capsys
) -> None:
    use_minio(monkeypatch, s3_server.endpoint, bucket_name, tmp_path / "home")
    monkeypatch.delenv("QL_S3_SECRET_KEY")
    assert main(["submit", str(prompt_file)]) == EXIT_USAGE
    assert "needs QL_S3_SECRET_KEY in the environment" in capsys.readouterr().err


def test_fetch_of_an_unknown_request_names_the_store_and_the_fix(
    s3_server: S3Server, bucket_name: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    use_minio(monkeypatch, s3_server.endpoint, bucket_name, tmp_path / "home")
    assert main(["fetch", REQUEST_ID, "-o", str(tmp_path / "out")]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert f"unknown request {REQUEST_ID} in MinIO at {s3_server.endpoint}" in err
    assert "QL_S3_BUCKET" in err
    assert not (tmp_path / "out").exists()


def test_fetch_of_a_request_without_a_capsule_says_the_run_has_not_packaged_yet(
    s3_server: S3Server, bucket_name: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    use_minio(monkeypatch, s3_server.endpoint, bucket_name, tmp_path / "home")
    store = open_artifact_store(Settings.from_env()).store()
    store.put_bytes(asset_key(REQUEST_ID, "frd"), b"{}")
    assert main(["fetch", REQUEST_ID, "-o", str(tmp_path / "out")]) == EXIT_FAILED
    assert "has no capsule yet" in capsys.readouterr().err


def test_fetch_from_an_unreachable_store_says_what_to_check(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    use_minio(monkeypatch, unused_endpoint(), "ql-nowhere", tmp_path / "home")
    assert main(["fetch", REQUEST_ID, "-o", str(tmp_path / "out")]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert "unavailable" in err and "QL_S3_ENDPOINT" in err
    assert "Traceback" not in err


def test_fetch_of_something_that_is_not_a_request_id_is_a_usage_error(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("QL_HOME", str(tmp_path / "home"))
    assert main(["fetch", "../../etc", "-o", str(tmp_path)]) == EXIT_USAGE
    assert "is not a request id" in capsys.readouterr().err


def test_submit_with_a_language_uploads_it_as_the_prompts_front_matter(
    tmp_path: Path, prompt_file: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("QL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("QL_STORE", raising=False)
    assert main(["submit", str(prompt_file), "--language", "typescript"]) == EXIT_OK
    key = capsys.readouterr().out.strip()
    uploaded = (tmp_path / "home" / "prompts" / key).read_text()
    assert uploaded == f"---\nlanguage: typescript\n---\n{wordcount.PROMPT}"
