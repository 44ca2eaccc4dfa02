"""Starting the packaged local model server for commands that ask the LLM, when the LLM
config in use is the packaged one (``make demo`` starts it too; it keeps running)."""

import sys
from pathlib import Path

from quantumlayer_dagster.llm.config import PACKAGED_LLM_CONFIG
from quantumlayer_dagster.llm.local_server import LocalServerError, ensure_local_server
from quantumlayer_dagster.settings import Settings

LOCAL_PORT = 8765


def ensure_packaged_model(settings: Settings) -> str | None:
    """Reuse or start the local model server when ``settings.llm_config`` is the packaged
    config; None when it is answering (or another config is in use), else why it could not
    be started (one line, with the fix)."""
    if Path(settings.llm_config).resolve() != PACKAGED_LLM_CONFIG.resolve():
        return None
    try:
        ensure_local_server(
            port=LOCAL_PORT,
            log_path=settings.home / "llm-server-smollm2.log",
            progress=lambda line: print(line, file=sys.stderr, flush=True),
        )
    except LocalServerError as exc:
        return f"the local model server could not be started: {exc}"
    return None
