"""Loading a code tree from disk: usable files loaded, every other file skipped with a reason."""

import os
from pathlib import Path

import pytest

from quantumlayer_dagster.analysis.tree_input import CodeTreeInputError, load_tree


def _write(root: Path, rel: str, data: bytes | str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def _reasons(tree_skipped: list) -> dict[str, str]:
    return {s.path: s.reason for s in tree_skipped}


def test_text_files_are_loaded_with_paths_relative_to_the_root(tmp_path: Path) -> None:
    _write(tmp_path, "app/main.py", "print('hi')\n")
    _write(tmp_path, "web/index.js", "console.log(1);\n")
    tree = load_tree(tmp_path)
    assert [f.path for f in tree.files] == ["app/main.py", "web/index.js"]
    assert tree.file("app/main.py").content == "print('hi')\n"
    assert tree.skipped == []


def test_missing_path_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(CodeTreeInputError, match="no such file or folder"):
        load_tree(tmp_path / "nope")


def test_a_file_instead_of_a_folder_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.py", "x = 1\n")
    with pytest.raises(CodeTreeInputError, match="not a folder"):
        load_tree(path)


def test_binary_non_utf8_and_huge_files_are_skipped_and_the_rest_loaded(tmp_path: Path) -> None:
    _write(tmp_path, "ok.py", "x = 1\n")
    _write(tmp_path, "logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    _write(tmp_path, "latin1.py", "name = 'café'\n".encode("latin-1"))
    _write(tmp_path, "big.py", "x = 1\n" * 20)
    tree = load_tree(tmp_path, max_file_bytes=100)
    assert [f.path for f in tree.files] == ["ok.py"]
    reasons = _reasons(tree.skipped)
    assert "binary" in reasons["logo.png"]
    assert "not UTF-8" in reasons["latin1.py"]
    assert "over the 100-byte limit" in reasons["big.py"]


def test_an_oversized_python_file_is_skipped_but_kept_as_a_reference(tmp_path: Path) -> None:
    _write(tmp_path, "main.py", "from big import x\n")
    _write(tmp_path, "big.py", "x = 1\n" * 20)
    tree = load_tree(tmp_path, max_file_bytes=100)
    assert [f.path for f in tree.files] == ["main.py"]
    assert tree.references == {"big.py": "x = 1\n" * 20}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of permissions")
def test_unreadable_file_is_skipped_with_the_reason(tmp_path: Path) -> None:
    secret = _write(tmp_path, "secret.py", "x = 1\n")
    secret.chmod(0)
    _write(tmp_path, "ok.py", "y = 2\n")
    tree = load_tree(tmp_path)
    assert [f.path for f in tree.files] == ["ok.py"]
    assert "permission denied" in _reasons(tree.skipped)["secret.py"].lower()


def test_links_out_of_the_tree_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _write(outside, "passwd.py", "SECRET = 1\n")
    root = tmp_path / "project"
    _write(root, "inside.py", "x = 1\n")
    (root / "escape.py").symlink_to(outside / "passwd.py")
    (root / "escape_dir").symlink_to(outside, target_is_directory=True)
    (root / "alias.py").symlink_to(root / "inside.py")
    tree = load_tree(root)
    assert [f.path for f in tree.files] == ["alias.py", "inside.py"]
    reasons = _reasons(tree.skipped)
    assert "outside the tree" in reasons["escape.py"]
    assert "not followed" in reasons["escape_dir"]


def test_tool_folders_are_reported_once_and_not_walked(tmp_path: Path) -> None:
    _write(tmp_path, "node_modules/left-pad/index.js", "module.exports = 1;\n")
    _write(tmp_path, ".git/HEAD", "ref: refs/heads/main\n")
    _write(tmp_path, "src/app.ts", "export const x = 1;\n")
    tree = load_tree(tmp_path)
    assert [f.path for f in tree.files] == ["src/app.ts"]
    assert sorted(_reasons(tree.skipped)) == [".git", "node_modules"]


def test_hidden_files_and_unsafe_names_are_skipped_with_the_reason(tmp_path: Path) -> None:
    _write(tmp_path, ".env", "TOKEN=x\n")
    _write(tmp_path, "my file.py", "x = 1\n")
    tree = load_tree(tmp_path)
    assert tree.files == []
    reasons = _reasons(tree.skipped)
    assert reasons.keys() == {".env", "my file.py"}
    assert all(r.startswith("unusable file name") for r in reasons.values())


def test_files_past_the_count_limit_are_skipped(tmp_path: Path) -> None:
    for i in range(5):
        _write(tmp_path, f"m{i}.py", "x = 1\n")
    tree = load_tree(tmp_path, max_files=3)
    assert len(tree.files) == 3
    assert [s.reason for s in tree.skipped] == ["over the limit of 3 files"] * 2


def test_special_files_are_skipped_without_being_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")  # opening a FIFO for reading would block forever
    tree = load_tree(tmp_path)
    assert _reasons(tree.skipped) == {"pipe.py": "not a regular file"}
