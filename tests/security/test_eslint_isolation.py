"""ESLint reads a generated JS/TS tree as data: the tree's own ESLint configs (JavaScript
that runs on load), a planted eslint-plugin-security under its node_modules (generated
paths cannot hold a scope's ``@``), and
``eslint-disable`` comments change nothing; each planted file writes a marker if run."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from quantumlayer_dagster.analysis.eslint_security import eslint_security
from quantumlayer_dagster.analysis.node_tools import CHECKOUT_NODE_TOOLS
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.testing.tree_writer import write_source_files

pytestmark = pytest.mark.skipif(
    not (CHECKOUT_NODE_TOOLS / "eslint").is_file(),
    reason="tools/node not installed: run `make node-tools`",
)

PLANTED = [
    "eslint.config.js",
    "eslint.config.mjs",
    "eslint.config.cjs",
    "eslint.config.ts",
    "node_modules/eslint-plugin-security/index.js",
]


def trap_tree(markers: Path) -> list[SourceFile]:
    def body(name: str) -> str:
        target = json.dumps(str(markers / name.replace("/", "_")))
        return f'require("fs").writeFileSync({target}, "ran");\nmodule.exports = [];\n'

    files = [SourceFile(path=path, content=body(path)) for path in PLANTED]
    files += [
        SourceFile(
            path="node_modules/eslint-plugin-security/package.json",
            content='{"name": "eslint-plugin-security", "main": "index.js"}',
        ),
        SourceFile(
            path="package.json",
            content='{"name": "trap", "eslintConfig": {"root": true}, "type": "commonjs"}',
        ),
        SourceFile(
            path="src/app.ts",
            content='/* eslint-disable */\nimport { exec } from "child_process";\n'
            "export const run = (cmd: string) => exec(cmd);\n",
        ),
    ]
    return files


@pytest.fixture
def markers(tmp_path: Path) -> Path:
    folder = tmp_path / "markers"
    folder.mkdir()
    return folder


def test_the_trap_fires_when_eslint_reads_the_trees_config(markers: Path, tmp_path: Path) -> None:
    """Control: plain ``eslint .`` in the tree loads its eslint.config.js, so the test
    below can fail."""
    root = tmp_path / "tree"
    write_source_files(trap_tree(markers), root)
    node = shutil.which("node")
    assert node is not None
    eslint = (CHECKOUT_NODE_TOOLS / "eslint").resolve()
    subprocess.run([node, str(eslint), "src/app.ts"], cwd=root, capture_output=True, timeout=120)
    assert "eslint.config.js" in os.listdir(markers)


def test_eslint_never_runs_the_trees_configs_or_plugin(markers: Path) -> None:
    result = eslint_security(trap_tree(markers))
    assert os.listdir(markers) == []
    assert result.not_run is None
    [finding] = [f for f in result.findings if f.path == "src/app.ts"]
    assert (finding.rule_id, finding.line) == ("security/detect-child-process", 3)
