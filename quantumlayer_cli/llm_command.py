"""``quantumlayer llm serve``: start the local llama.cpp server unless one is answering;
``quantumlayer llm check``: send one request through the configured Router."""

import argparse
import os
import time

from quantumlayer_cli import EXIT_FAILED, EXIT_OK
from quantumlayer_dagster.llm.local_server import (
    MODEL_ALIAS,
    LocalServerError,
    ensure_local_server,
    local_model_file,
    stop_local_server,
)
from quantumlayer_dagster.settings import Settings

DEFAULT_PORT = 8765


def serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    try:
        model = None if args.model == MODEL_ALIAS else local_model_file(args.model)
        server = ensure_local_server(
            port=args.port or DEFAULT_PORT,
            model_path=model,
            alias=args.model,
            log_path=settings.home / f"llm-server-{args.model}.log",
            progress=lambda message: print(message, flush=True),
        )
    except LocalServerError as exc:
        print(f"error: {exc}")
        return EXIT_FAILED
    print(f"model server: {server.base_url}")
    if server.started_here:
        assert server.process is not None
        print(
            f"it keeps running in the background (pid {server.process.pid}, log "
            f"{server.log_path}): stop it with `.venv/bin/quantumlayer llm stop"
            f"{'' if (args.port or DEFAULT_PORT) == DEFAULT_PORT else f' --port {args.port}'}`"
        )
    return EXIT_OK


def stop(args: argparse.Namespace) -> int:
    """``quantumlayer llm stop``: end the local model server on the port, if one runs."""
    port = args.port or DEFAULT_PORT
    stopped = stop_local_server(port)
    if not stopped:
        print(f"no local model server is running on port {port}: nothing to stop")
        return EXIT_OK
    print(f"stopped the local model server on port {port} (pid {', '.join(map(str, stopped))})")
    return EXIT_OK


CHECK_MESSAGES = [{"role": "user", "content": "Reply with the single word: ok"}]


def check(args: argparse.Namespace) -> int:
    """``quantumlayer llm check``: one request through the configured Router; prints the group,
    the deployment that answered, latency and tokens, or the reason it failed and the fix."""
    from quantumlayer_dagster.llm.client import LiteLLMClient
    from quantumlayer_dagster.llm.config import LLMConfigError, load_llm_config
    from quantumlayer_dagster.llm.protocol import LLMStageError

    path = args.config or Settings.from_env().llm_config
    try:
        # The CLI is an edge: the variables the config names come from its environment.
        config = load_llm_config(path, env=os.environ)
        client = LiteLLMClient(config, env=os.environ)  # no cache: the point is to reach it
        started = time.monotonic()
        reply, call = client.complete_text(args.stage, CHECK_MESSAGES, max_tokens=16)
    except (LLMConfigError, LLMStageError) as exc:
        print(f"error: {exc}")
        return EXIT_FAILED
    print(f"config: {path}")
    print(f"group: {config.group_for(args.stage)} (as used by stage {args.stage})")
    print(f"model: {call.model}")
    print(f"deployment: {call.deployment or 'unknown'}")
    print(f"latency_s: {time.monotonic() - started:.3f}")
    print(f"tokens_in: {call.tokens_in}")
    print(f"tokens_out: {call.tokens_out}")
    print(f"cost_usd: {call.cost_usd:.6f}")
    print(f"reply: {' '.join(reply.split())[:80]}")
    return EXIT_OK
