"""Tools that read a generated tree (bandit, radon, pip-audit, mypy, the validators,
dependency resolution) never import or run it: a tree planting modules named like each tool's own
imports, each of which writes a marker file when imported, leaves no marker."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from quantumlayer_dagster.analysis.type_check import type_issues
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.stages.dependency_manifest import resolve_dependencies
from quantumlayer_dagster.stages.performance_report import analyze_performance
from quantumlayer_dagster.stages.security_report import bandit_report
from quantumlayer_dagster.stages.semantic_validation import validate_code
from quantumlayer_dagster.supply_chain.advisories import LocalOsvService, default_advisory_db
from quantumlayer_dagster.supply_chain.package_index import PackageIndex
from quantumlayer_dagster.supply_chain.vulnerability_audit import audit_requirements
from quantumlayer_dagster.testing.tree_writer import write_source_files

# The tools' own imports and the interpreter's start-up hooks.
PLANTED = [
    "bandit/__init__.py", "bandit/__main__.py", "bandit/cli/__init__.py", "bandit/cli/main.py",
    "stevedore/__init__.py", "yaml.py", "rich/__init__.py", "radon/__init__.py",
    "mando/__init__.py", "colorama/__init__.py", "pip_audit/__init__.py", "packaging.py",
    "pip/__init__.py", "pip/__main__.py", "json.py", "typing.py", "ast.py", "enum.py",
    "sitecustomize.py", "usercustomize.py", "mypy/__init__.py", "mypy/__main__.py",
    "mypy_extensions.py", "typing_extensions.py", "pathspec/__init__.py",
    # what `python -m pip --version` (pip-api's probe at import) imported from the cwd
    "tokenize.py",
]  # fmt: skip


def trap_tree(marker_dir: Path) -> list[SourceFile]:
    """Every planted module records its name (and our uid and environment size) when run;
    a ``.pth`` file would do the same if a site directory ever read it."""
    body = (
        "import os as _os\n"
        f"_p = {str(marker_dir)!r} + '/' + __name__\n"
        "open(_p, 'w').write(f'{_os.getuid()} {len(_os.environ)}')\n"
        "import subprocess\nsubprocess.call('true', shell=True)\n"  # a bandit finding
    )
    files = [SourceFile(path=path, content=body) for path in PLANTED]
    files.append(
        SourceFile(path="evil.pth", content=f"import os; open({str(marker_dir)!r}+'/pth','w')\n")
    )
    files.append(SourceFile(path="app/main.py", content="import yaml\nimport bandit\n"))
    return files


def unsafe_environment() -> dict[str, str]:
    """Our environment without PYTHONSAFEPATH (which the CLI and the pip-audit import set
    in this process), as a process started by a careless caller would have it."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONSAFEPATH"}


@pytest.fixture
def markers(tmp_path: Path) -> Path:
    folder = tmp_path / "markers"
    folder.mkdir()
    folder.chmod(0o777)  # so a trap run as any uid could report itself
    return folder


def fired(markers: Path) -> list[str]:
    return sorted(os.listdir(markers))


def test_the_trap_fires_when_a_tool_runs_from_inside_the_tree(
    markers: Path, tmp_path: Path
) -> None:
    """Control: the old invocation (``python -m bandit`` with the tree as working folder)
    imports the planted package, so the tests below can fail."""
    root = tmp_path / "tree"
    write_source_files(trap_tree(markers), root)
    subprocess.run(
        [sys.executable, "-m", "bandit", "--version"],
        cwd=root,
        capture_output=True,
        env=unsafe_environment(),
    )
    assert "bandit" in fired(markers)


def test_the_trap_fires_when_pip_api_probes_pip_from_inside_the_tree(
    markers: Path, tmp_path: Path
) -> None:
    """Control: pip-api's import-time probe (``python -m pip --version``, our environment,
    the tree as working folder) imports the planted ``tokenize.py``."""
    root = tmp_path / "tree"
    write_source_files(trap_tree(markers), root)
    subprocess.run(
        [sys.executable, "-m", "pip", "--version"],
        cwd=root,
        capture_output=True,
        env=unsafe_environment(),
    )
    assert "tokenize" in fired(markers)


def test_bandit_package_in_the_tree_is_scanned_not_imported(markers: Path) -> None:
    report = bandit_report(trap_tree(markers))
    assert fired(markers) == []
    assert "bandit/__main__.py" in report.scanned
    assert any(f.path == "bandit/__main__.py" and f.rule_id == "B602" for f in report.findings)


def test_radon_never_imports_the_tree(markers: Path) -> None:
    report = analyze_performance(trap_tree(markers))
    assert fired(markers) == []
    assert any(m.path == "radon/__init__.py" for m in report.modules)


def test_validators_never_import_the_tree(markers: Path) -> None:
    report = validate_code(trap_tree(markers))
    assert fired(markers) == []
    assert report.files_validated >= len(PLANTED)


def test_mypy_never_imports_the_tree(markers: Path) -> None:
    found = type_issues(trap_tree(markers))
    assert fired(markers) == []
    # it read the tree: a planted top-level typing.py is what stops it
    assert any("shadows library module" in i.message for i in found)


def test_dependency_resolution_never_imports_the_tree(markers: Path) -> None:
    manifest = resolve_dependencies(trap_tree(markers), package="app")
    assert fired(markers) == []
    assert manifest is not None


def test_package_index_lookup_never_imports_a_pip_package_from_the_working_folder(
    markers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dependency resolution asks ``pip index`` about names that are not installed; run
    from inside a generated tree (``quantumlayer analyze .``) it must not run its ``pip/``."""
    root = tmp_path / "tree"
    write_source_files(trap_tree(markers), root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_RETRIES", "0")
    index = PackageIndex(tmp_path / "cache.json", online=True, timeout_s=30)
    answer = index.latest("surely-not-installed-ql")
    assert fired(markers) == []
    assert answer.version is None and "package index" in answer.reason


def test_pip_audit_never_builds_a_requirement_that_points_at_the_tree(
    markers: Path, tmp_path: Path
) -> None:
    """A requirement naming the generated tree by URL (``app @ file://...``) would run its
    ``setup.py`` if the audit installed it; it is skipped with the reason instead."""
    db = default_advisory_db(os.environ.get("QL_ADVISORY_DB"))
    if db is None:
        pytest.skip("no advisory snapshot")
    root = tmp_path / "tree"
    setup = SourceFile(path="setup.py", content=trap_tree(markers)[0].content)
    write_source_files([*trap_tree(markers), setup], root)
    lines = [f"app @ file://{root}", f"-e {root}", "pyyaml==5.1"]
    audit = audit_requirements(lines, LocalOsvService(db))
    assert fired(markers) == []
    assert audit.error is None and audit.audited == ["pyyaml==5.1"]
    assert {s.package for s in audit.skipped} == {"app", "-e"}


CLI = Path(sys.executable).with_name("quantumlayer")
SERVICE = SourceFile(
    path="svc/main.py",
    content="import json\nfrom fastapi import FastAPI\napp = FastAPI()\n\n\n"
    '@app.get("/ping")\ndef ping() -> dict[str, str]:\n    return {"pong": json.dumps(1)}\n',
)


@pytest.mark.slow
@pytest.mark.sandbox
@pytest.mark.parametrize(
    "command",
    [
        ["scan", ".", "--requirements", "requirements.txt"],
        ["scan", ".", "--dast", "--dast-max-examples", "5"],
        ["validate", "."],
        ["analyze", "."],
        ["test", ".", "--timeout", "60"],
    ],
    ids=["scan", "scan-dast", "validate", "analyze", "test"],
)
def test_no_command_run_from_inside_the_tree_imports_it(
    command: list[str], markers: Path, tmp_path: Path
) -> None:
    """`quantumlayer COMMAND .` from inside a generated tree, started as a user would (our
    environment without PYTHONSAFEPATH): nothing it or a library it loads starts on the
    host imports the tree's modules (pip-api's `python -m pip` probe once ran its
    ``tokenize.py``). The service ``--dast`` starts runs in the sandbox, where the host's
    marker folder does not exist."""
    root = tmp_path / "tree"
    requirements = SourceFile(path="requirements.txt", content="pyyaml==5.1\n")
    write_source_files([*trap_tree(markers), SERVICE, requirements], root)

    done = subprocess.run(
        [str(CLI), *command],
        cwd=root,
        env=unsafe_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert fired(markers) == []
    assert done.returncode in (0, 1), done.stdout[-1500:] + done.stderr[-1500:]
