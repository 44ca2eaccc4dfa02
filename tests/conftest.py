"""Shared fixtures: the scripted LLM (a test double at the hosted-provider edge), settings
pointing at a temporary home, and Definitions built from them; the fixture plugins under
``tests/fixtures`` (fake LLM server, S3 server, Postgres database, vector memory, advisory
snapshot); and the checks that keep the test tiers honest:

- a test that starts or reaches a server (a server fixture, or a function that starts one,
  reached from the test, its fixtures or their helpers) must be marked ``server``: the
  session stops at collection otherwise;
- a test that runs bubblewrap must be marked ``sandbox``: it errors otherwise;
- a test that loads the MiniLM model (fixture ``minilm``) is marked ``slow`` automatically.

``make unit`` deselects ``slow``, ``server``, ``sandbox`` and ``llm``; markers are declared in
``pyproject.toml``."""

import os
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
# Tests that embed load MiniLM in their own process; the machine-wide service they would
# otherwise start (and leave running) is tested on its own port in test_local_embedding_service
os.environ.setdefault("QL_MEMORY_EMBEDDING_SERVICE", "process")

from quantumlayer_dagster.settings import Settings
from tests.fixtures import wordcount

pytest_plugins = [
    "tests.fixtures.advisories",
    "tests.fixtures.fake_llm",
    "tests.fixtures.memory",
    "tests.fixtures.postgres",
    "tests.fixtures.s3_server",
    "tests.fixtures.upload_stores",
]

SCRIPTED_CONFIG = """\
groups:
  scripted:
    structured_output: json_schema
    max_tokens: 512
    deployments:
      - model: scripted/fixture
default: scripted
"""


@pytest.fixture
def scripted_config(tmp_path: Path) -> Path:
    """An LLM config file whose one model is the scripted provider."""
    path = tmp_path / "llm.scripted.yaml"
    path.write_text(SCRIPTED_CONFIG)
    return path


@pytest.fixture
def register_script() -> Callable[..., object]:
    """Install a scripted provider with the given replies (word-count fixtures by default)."""
    from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider

    def install(stages=None, files=None, **kw):  # type: ignore[no-untyped-def]
        return register_scripted_provider(
            wordcount.STAGE_REPLIES if stages is None else stages,
            files=wordcount.FILE_REPLIES if files is None else files,
            **kw,
        )

    return install


@pytest.fixture
def scripted_llm(scripted_config: Path, register_script):  # type: ignore[no-untyped-def]
    """(client, provider): a LiteLLMClient answering the word-count conversation."""
    from quantumlayer_dagster.llm.client import LiteLLMClient
    from quantumlayer_dagster.llm.config import load_llm_config

    provider = register_script()
    return LiteLLMClient(load_llm_config(scripted_config)), provider


def scripted_settings(root: Path) -> Settings:
    """Settings for a home under ``root`` whose LLM is the scripted provider (its config
    written to ``root/llm.scripted.yaml``): for fixtures of any scope."""
    config = root / "llm.scripted.yaml"
    config.write_text(SCRIPTED_CONFIG)
    return Settings(home=root / "home", llm_config=config, test_timeout_s=60)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return scripted_settings(tmp_path)


@pytest.fixture
def instance(settings: Settings) -> Iterator[object]:
    from quantumlayer_cli.local_run import local_instance

    inst = local_instance(settings)
    yield inst
    inst.dispose()


# --- the tiers: server and sandbox markers are checked, not trusted ---------------------

SERVER_FIXTURES = frozenset({"s3_server", "fake_openai", "fake_openai_backup", "postgres_database"})
"""Fixtures that start a server or reach one; a test using one, directly or through other
fixtures, is marked ``server``."""


def _server_entry_points() -> dict[int, str]:
    """id -> name of every object that starts or reaches a server when a test calls it."""
    import psycopg2
    import redis

    from quantumlayer_dagster.llm.local_server import ensure_local_server
    from tests.fakes.openai_server import FakeOpenAIServer
    from tests.fixtures.dagster_servers import running_daemon, running_webserver
    from tests.fixtures.postgres import fresh_postgres_database
    from tests.fixtures.prometheus_server import running_exporter, running_prometheus
    from tests.fixtures.s3_server import start_s3_server

    found: list[Any] = [
        psycopg2,
        redis,
        ensure_local_server,
        FakeOpenAIServer,
        running_daemon,
        running_webserver,
        fresh_postgres_database,
        start_s3_server,
        running_exporter,
        running_prometheus,
    ]
    return {id(obj): getattr(obj, "__name__", repr(obj)) for obj in found}


def _code_names(code: types.CodeType) -> Iterator[str]:
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_names(const)


def _servers_reached(fn: Any, entry_points: dict[int, str], seen: set[int]) -> set[str]:
    """Names of the server entry points ``fn`` refers to, directly or through functions of
    the test suite it calls (followed by their global names)."""
    fn = getattr(fn, "__wrapped__", fn)
    code = getattr(fn, "__code__", None)
    if code is None or id(fn) in seen:
        return set()
    seen.add(id(fn))
    found: set[str] = set()
    for name in set(_code_names(code)):
        target = fn.__globals__.get(name)
        if target is None:
            continue
        if id(target) in entry_points:
            found.add(entry_points[id(target)])
        elif isinstance(target, types.FunctionType) and target.__module__.startswith("tests."):
            found |= _servers_reached(target, entry_points, seen)
    return found


SLOW_FIXTURES = frozenset({"minilm"})
"""Fixtures that cost seconds whatever the test does (loading the MiniLM model): every test
using one is marked ``slow`` here, so no test can forget it."""


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the users of slow fixtures ``slow``; stop the session when a test uses a server
    without the ``server`` marker."""
    entry_points = _server_entry_points()
    problems = []
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        if not isinstance(item, pytest.Function) or item.get_closest_marker("server"):
            continue
        reached = set(SERVER_FIXTURES.intersection(item.fixturenames))
        functions = [item.function] + [
            d.func
            for defs in item._fixtureinfo.name2fixturedefs.values()  # the fixture closure
            for d in defs
        ]
        seen: set[int] = set()
        for fn in functions:
            reached |= _servers_reached(fn, entry_points, seen)
        if reached:
            problems.append(f"{item.nodeid} uses {', '.join(sorted(reached))}")
    if problems:
        raise pytest.UsageError(
            "tests that use a server must be marked server (add `pytestmark = "
            "pytest.mark.server` or `@pytest.mark.server`):\n  " + "\n  ".join(problems)
        )


@pytest.fixture(autouse=True)
def _tier_markers_hold(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Error a test that ran bubblewrap (in this process) without the ``sandbox`` marker, or
    that asked for a server fixture at run time (``request.getfixturevalue``) without the
    ``server`` marker: what collection could not see."""
    from quantumlayer_dagster.sandbox import command

    runs: list[object] = []
    real = command.bwrap_prefix

    def recorded(*args: Any, **kwargs: Any) -> list[str]:
        runs.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(command, "bwrap_prefix", recorded)
    yield
    node = request.node
    if runs and not node.get_closest_marker("sandbox"):
        pytest.fail(
            f"{node.nodeid} ran bubblewrap {len(runs)} time(s) but is not marked sandbox: "
            "add @pytest.mark.sandbox (or take the bwrap case from SANDBOX_MODES)",
            pytrace=False,
        )
    servers = SERVER_FIXTURES.intersection(request.fixturenames)
    if servers and not node.get_closest_marker("server"):
        pytest.fail(
            f"{node.nodeid} used {', '.join(sorted(servers))} but is not marked server: "
            "add pytest.mark.server to the test (or to the fixture parameter that needs it)",
            pytrace=False,
        )
