"""Configuration reaches the core as typed settings and resource fields: no module under
``quantumlayer_dagster/`` except ``definitions.py`` reads ``os.environ`` or ``os.getenv``."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "quantumlayer_dagster"

JUSTIFIED = {
    # Writes, not reads: they tell a library to stay offline before it is imported.
    ("llm/litellm_offline.py", "os.environ.setdefault('LITELLM_LOCAL_MODEL_COST_MAP', ...)"),
    ("memory/embedder.py", "os.environ.setdefault('HF_HUB_OFFLINE', ...)"),
    # Keeps the working folder off the import path of what pip-audit starts at import.
    ("supply_chain/pip_audit_api.py", "os.environ"),
}


def _environment_uses(path: Path) -> list[str]:
    """Each ``os.environ``/``os.getenv``/``environ``/``getenv`` use in a file, as source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            uses += [f"from os import {a.name}" for a in node.names if "env" in a.name]
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "environb"}:
            uses.append(_described(node, tree))
    return uses


def _described(node: ast.Attribute, tree: ast.Module) -> str:
    for parent in ast.walk(tree):
        call = parent if isinstance(parent, ast.Call) else None
        if call is not None and isinstance(call.func, ast.Attribute) and call.func.value is node:
            first = call.args[0] if call.args else None
            name = repr(first.value) if isinstance(first, ast.Constant) else "?"
            return f"{ast.unparse(call.func)}({name}, ...)"
    return ast.unparse(node)


def test_no_core_module_reads_the_environment() -> None:
    found = {
        (str(path.relative_to(CORE)), use)
        for path in sorted(CORE.rglob("*.py"))
        if path.name != "definitions.py" or path.parent != CORE
        for use in _environment_uses(path)
    }
    assert found == JUSTIFIED


def test_the_check_sees_a_read_of_the_environment(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import os\nfrom os import getenv\nhome = os.environ.get('QL_HOME')\n")
    assert _environment_uses(module) == [
        "from os import getenv",
        "os.environ.get('QL_HOME', ...)",
    ]
