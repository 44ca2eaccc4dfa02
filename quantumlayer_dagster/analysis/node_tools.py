"""Where the Node tools run on generated TypeScript/JavaScript projects live: ``tsc`` and
``eslint`` from ``tools/node`` (installed by ``make node-tools`` from its lock file; the image
copies the same folder to ``/opt/quantumlayer/tools/node``).

Only the tools' own files are run: the generated project's ``tsconfig.json``,
``eslint.config.js`` or ``package.json`` scripts are never read as configuration, since a
configuration file of ESLint is JavaScript that would run on load.
"""

import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECKOUT_NODE_TOOLS = REPO_ROOT / "tools" / "node" / "node_modules" / ".bin"
IMAGE_NODE_TOOLS = Path("/opt/quantumlayer/tools/node/node_modules/.bin")
NODE_NOT_FOUND = "node not found: install Node.js 20 or newer (Debian package nodejs)"


class NodeToolMissing(RuntimeError):
    """A Node tool is not installed; the message names the fix."""


def node_tools_dir(configured: str | None = None) -> Path:
    """``configured`` (``QL_NODE_TOOLS``) when set, else the checkout's ``tools/node`` when
    installed, else the image's folder."""
    if configured:
        return Path(configured)
    return CHECKOUT_NODE_TOOLS if CHECKOUT_NODE_TOOLS.is_dir() else IMAGE_NODE_TOOLS


def node_tool(name: str, configured: str | None = None) -> Path:
    """The executable ``name`` (``tsc``, ``eslint``) from the Node tools folder; raises
    NodeToolMissing naming the fix when it (or ``node`` itself) is not installed."""
    if shutil.which("node") is None:
        raise NodeToolMissing(NODE_NOT_FOUND)
    path = node_tools_dir(configured) / name
    if not path.is_file():
        raise NodeToolMissing(
            f"{name} not found in {path.parent}: run `make node-tools` (npm ci of "
            "tools/node/package-lock.json) or set QL_NODE_TOOLS to the folder holding it"
        )
    return path
