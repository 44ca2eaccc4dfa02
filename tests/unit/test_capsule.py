"""The capsule: byte-identical for the same inputs, and verified without being unpacked."""

import gzip
import io
import tarfile

import pytest

from quantumlayer_dagster.artifacts.capsule import CapsuleManifest, GateResult
from quantumlayer_dagster.packaging.archive import build_capsule, verify_capsule

MANIFEST = CapsuleManifest(
    request_id="req-1",
    prompt_sha256="0" * 64,
    models=["smollm2"],
    tokens_in=120,
    tokens_out=80,
    stage_versions={"code_tree": "v1", "test_suite": "v2"},
    gates=[GateResult(name="tests pass", passed=True, detail="3 passed")],
)
ENTRIES = {
    "project/calc/__init__.py": b"def add(a, b):\n    return a + b\n",
    "project/tests/test_calc.py": b"from calc import add\n",
    "reports/junit.xml": b"<testsuites/>",
    "README.md": b"# calc\n",
}


def tar_gz(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    """A hand-made archive, for members build_capsule would never write."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def file_member(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def read_members(archive: bytes) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        members = []
        for info in tar:
            stream = tar.extractfile(info)
            members.append((info, stream.read() if stream else None))
    return members


def test_same_inputs_give_byte_identical_capsules() -> None:
    reordered = dict(reversed(ENTRIES.items()))
    assert build_capsule(ENTRIES, MANIFEST) == build_capsule(reordered, MANIFEST)


def test_capsule_has_fixed_metadata() -> None:
    data = build_capsule(ENTRIES, MANIFEST)
    assert data[4:8] == b"\0\0\0\0"  # gzip mtime
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = tar.getmembers()
    assert members[0].name == "capsule.json"
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {
        (946684800, 0, 0, "", "")
    }
    assert {m.mode for m in members if m.isfile()} == {0o644}
    assert {m.mode for m in members if m.isdir()} == {0o755}


def test_fresh_capsule_verifies() -> None:
    result = verify_capsule(build_capsule(ENTRIES, MANIFEST))
    assert result.ok, result.problems
    assert result.checked == len(ENTRIES)
    assert result.manifest and result.manifest.request_id == "req-1"


def test_tampered_content_is_detected() -> None:
    tampered = []
    for info, data in read_members(build_capsule(ENTRIES, MANIFEST)):
        if info.name == "README.md":
            info, data = file_member("README.md", b"# pwned\n")
        tampered.append((info, data))
    result = verify_capsule(tar_gz(tampered))
    assert not result.ok
    assert result.problems == ["README.md: sha256 does not match capsule.json"]


def test_unlisted_and_missing_files_are_reported() -> None:
    manifest = MANIFEST.model_copy(update={"files": {"gone.txt": "0" * 64}})
    archive = tar_gz(
        [file_member("capsule.json", manifest.to_json_bytes()), file_member("extra.txt", b"x")]
    )
    problems = verify_capsule(archive).problems
    assert problems == [
        "gone.txt: listed in capsule.json but missing from the archive",
        "extra.txt: in the archive but not listed in capsule.json",
    ]


def test_member_with_dotdot_path_is_rejected() -> None:
    archive = tar_gz(
        [file_member("capsule.json", MANIFEST.to_json_bytes()), file_member("../evil.py", b"x")]
    )
    result = verify_capsule(archive)
    assert not result.ok
    assert any("'..'" in p for p in result.problems)


def test_symlink_member_is_rejected() -> None:
    link = tarfile.TarInfo("passwd")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    result = verify_capsule(
        tar_gz([file_member("capsule.json", MANIFEST.to_json_bytes()), (link, None)])
    )
    assert not result.ok
    assert "passwd: symlink members are not allowed" in result.problems


def test_build_refuses_an_unsafe_entry_path() -> None:
    with pytest.raises(ValueError, match="absolute"):
        build_capsule({"/etc/passwd": b"x"}, MANIFEST)


def test_garbage_is_not_a_capsule() -> None:
    result = verify_capsule(b"not a tarball")
    assert not result.ok
    assert result.problems[0].startswith("not a readable .tar.gz")
