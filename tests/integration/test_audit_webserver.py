"""``quantumlayer launch`` and ``quantumlayer cancel`` against a real ``dagster-webserver``
record the launch and the cancellation with the CLI's user and address. Runs stay queued
(the queued coordinator, no daemon), so canceling one is immediate and nothing executes."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from quantumlayer_dagster.audit.sql_log import AUDIT_FILE, SqlAuditLog
from tests.fixtures import wordcount
from tests.fixtures.dagster_servers import DagsterHome, Webserver, make_home, running_webserver

pytestmark = [pytest.mark.server, pytest.mark.slow]

QUEUED_INSTANCE = """\
telemetry:
  enabled: false
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DagsterHome, Webserver]]:
    home = make_home(tmp_path_factory.mktemp("audit-webserver"), QUEUED_INSTANCE)
    with running_webserver(home) as server:
        yield home, server


@pytest.fixture
def cli_env(served, monkeypatch: pytest.MonkeyPatch) -> DagsterHome:
    home, _ = served
    for name in ("QL_HOME", "QL_LLM_CONFIG", "DAGSTER_HOME", "QL_STORE"):
        monkeypatch.setenv(name, home.env[name])
    return home


def test_launch_and_cancel_are_recorded_with_the_cli_as_actor(
    served, cli_env: DagsterHome, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    _, server = served
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(wordcount.PROMPT)
    assert main(["launch", str(prompt), "--tenant", "acme", "--url", server.url]) == EXIT_OK
    fields = dict(line.split(": ", 1) for line in capsys.readouterr().out.strip().splitlines())
    request_id, run_id = fields["request"], fields["run"]

    assert main(["cancel", request_id, "--url", server.url]) == EXIT_OK
    assert f"canceled: run {run_id}" in capsys.readouterr().out
    assert main(["cancel", request_id, "--url", server.url]) == EXIT_FAILED
    assert "already CANCELED" in capsys.readouterr().err

    log = SqlAuditLog(str(cli_env.dagster_home / AUDIT_FILE))
    launch, cancellation = log.records()
    assert (launch.action, launch.request_id, launch.run_id) == ("launch", request_id, run_id)
    assert (cancellation.action, cancellation.run_id) == ("cancellation", run_id)
    for record in (launch, cancellation):
        assert (record.actor, record.tenant) == ("cli", "acme")
        assert record.user_name and record.client and record.client.endswith("/127.0.0.1")


def test_cancel_refuses_what_is_not_a_request_id(cli_env, capsys):
    assert main(["cancel", "../../etc", "--url", "http://127.0.0.1:9"]) == EXIT_USAGE
    assert "is not a request id" in capsys.readouterr().err
