"""Where the Node tools (ESLint, tsc) and the npm packages installed with them live."""

from pathlib import Path

import dagster as dg

from quantumlayer_dagster.analysis.node_tools import node_tools_dir


class NodeToolsResource(dg.ConfigurableResource):
    """``folder``: the ``node_modules/.bin`` folder holding ``eslint`` and ``tsc``
    (``QL_NODE_TOOLS``; empty: the checkout's ``tools/node``, else the image's)."""

    folder: str = ""

    def configured(self) -> str | None:
        """The folder as the core's ``node_tool`` takes it (None: its default)."""
        return self.folder or None

    def node_modules(self) -> list[Path]:
        """The installed npm packages next to the tools, for versions and licences."""
        return [node_tools_dir(self.configured()).parent]
