"""Reading a capsule is bounded before decompression: oversized PAX and GNU long-name
headers are refused before they are read, the member count is capped, and sizes are checked
from the headers for every member, refused ones included, with the decompressed stream
capped as a whole. Limits are lowered here so the bombs stay small to build."""

import gzip
import io
import tarfile

import pytest

from quantumlayer_dagster.packaging import archive
from quantumlayer_dagster.packaging.archive import verify_capsule


def bomb(members: list[tuple[tarfile.TarInfo, bytes]], fmt: int = tarfile.PAX_FORMAT) -> bytes:
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as gz,
        tarfile.open(fileobj=gz, mode="w", format=fmt) as tar,
    ):
        for info, data in members:
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def member(name: str, size: int, kind: bytes = tarfile.REGTYPE) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size if kind == tarfile.REGTYPE else 0
    return info, b"\0" * info.size


def only_problem(data: bytes) -> str:
    result = verify_capsule(data)
    assert not result.ok
    return "; ".join(result.problems)


def test_a_pax_header_bomb_is_refused_before_the_header_is_read() -> None:
    info, data = member("capsule.json", 1)
    info.pax_headers = {"comment": "x" * (archive.MAX_HEADER_BYTES * 4)}
    packed = bomb([(info, data)])
    assert len(packed) < archive.MAX_HEADER_BYTES  # tiny compressed, large decompressed
    assert "extended (PAX or GNU long name) header" in only_problem(packed)


def test_a_gnu_long_name_bomb_is_refused_before_the_name_is_read() -> None:
    info, data = member("a/" * (archive.MAX_HEADER_BYTES // 2 + 10) + "x.txt", 1)
    assert "extended (PAX or GNU long name) header" in only_problem(
        bomb([(info, data)], tarfile.GNU_FORMAT)
    )


def test_a_refused_member_still_counts_towards_the_size_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 64 * 1024)
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 64 * 1024)
    # An unsafe path is refused, but its data would still be decompressed to skip it.
    problems = only_problem(bomb([member("../escape.bin", 1024 * 1024)]))
    assert "over the size limit; stopped reading" in problems


def test_many_small_refused_members_cannot_add_up_past_the_total(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 100 * 1024)
    members = [member(f"/abs/{i}.bin", 8 * 1024) for i in range(40)]
    assert "over the size limit; stopped reading" in only_problem(bomb(members))


def test_the_member_count_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBERS", 5)
    members = [member(f"d{i}", 0, tarfile.DIRTYPE) for i in range(20)]
    assert "more than 5 members; stopped reading" in only_problem(bomb(members))


def test_the_decompressed_stream_is_capped_as_a_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    # Headers and padding of many empty members are not member data, but are still read.
    monkeypatch.setattr(archive, "MAX_STREAM_BYTES", 32 * 1024)
    members = [member(f"d{i}", 0, tarfile.DIRTYPE) for i in range(200)]
    assert "archive refused: more than 32768 bytes when decompressed" in only_problem(bomb(members))


def test_a_capsule_within_the_limits_still_verifies() -> None:
    from tests.unit.test_capsule import ENTRIES, MANIFEST

    result = verify_capsule(archive.build_capsule(ENTRIES, MANIFEST))
    assert result.ok, result.problems
