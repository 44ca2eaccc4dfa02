"""``quantumlayer llm serve``: start the local llama.cpp server unless one is answering."""

import argparse

from quantumlayer_dagster.cli import EXIT_FAILED, EXIT_OK
from quantumlayer_dagster.llm.local_server import LocalServerError, ensure_local_server
from quantumlayer_dagster.settings import Settings

DEFAULT_PORT = 8765


def serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    try:
        server = ensure_local_server(
            port=args.port or DEFAULT_PORT,
            log_path=settings.home / "llm-server.log",
            progress=lambda message: print(message, flush=True),
        )
    except LocalServerError as exc:
        print(f"error: {exc}")
        return EXIT_FAILED
    print(f"model server: {server.base_url}")
    return EXIT_OK
