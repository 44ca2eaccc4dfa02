"""The Dagster UI in a real browser: Debian's headless Chromium driven by Playwright (the
system binary; Playwright's own browser download is not used) against a real
``dagster-webserver`` subprocess, after one request was materialized on the same instance.

Screenshots go to the test's ``tmp_path`` and are copied to ``.ql/screenshots/`` so a
person can look at them after the run."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import httpx
import pytest
from playwright.sync_api import sync_playwright

from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.stages.registry import ASSET_NAMES
from tests.fixtures import wordcount
from tests.fixtures.dagster_servers import ROOT, Webserver, make_home, running_webserver
from tests.fixtures.pipeline_run import run_wordcount

pytestmark = [pytest.mark.sandbox, pytest.mark.server, pytest.mark.slow]
CHROMIUM = Path("/usr/bin/chromium")
STABLE_SCREENSHOTS = ROOT / ".ql" / "screenshots"
# CSS-module class of an asset node's label in the graph (stable for the pinned webserver).
NODE_LABEL = "[class*='AssetNode_assetName']"


@pytest.fixture(scope="module")
def materialized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Webserver, str]]:
    """A webserver over an instance holding one materialized request; (server, request id)."""
    home = make_home(tmp_path_factory.mktemp("ui"))
    with pytest.MonkeyPatch.context() as env:
        for name in ("QL_HOME", "QL_LLM_CONFIG", "QL_MEMORY", "QL_STORE", "DAGSTER_HOME"):
            env.setenv(name, home.env[name])
        settings = Settings.from_env()
        register_scripted_provider(wordcount.STAGE_REPLIES, files=wordcount.FILE_REPLIES)
        instance = dg.DagsterInstance.from_config(str(home.dagster_home))
        try:
            outcome = run_wordcount(settings, instance)
        finally:
            instance.dispose()
    assert outcome.success, outcome.failure
    with running_webserver(home) as server:
        # The first-visit "Join the Dagster community" dialog would cover the screenshots;
        # the UI's own mutation records it as seen in this instance.
        seen = httpx.post(f"{server.url}/graphql", json={"query": "mutation { setNuxSeen }"})
        assert seen.json()["data"]["setNuxSeen"], seen.text
        yield server, outcome.request_id


@pytest.fixture
def page(tmp_path: Path) -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium chromium-driver")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser.new_page(viewport={"width": 1600, "height": 1000})
        finally:
            browser.close()


def screenshot(page, tmp_path: Path, name: str) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    STABLE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, STABLE_SCREENSHOTS / path.name)
    return path


def shown_as(label: str, name: str) -> bool:
    """Whether a graph label is ``name``, or ``name`` shortened in the middle with an
    ellipsis (the zoomed-out graph does that to long names)."""
    if "…" not in label:
        return label == name
    head, _, tail = label.partition("…")
    return len(label) < len(name) and name.startswith(head) and name.endswith(tail)


def test_the_asset_graph_shows_all_14_assets(materialized, page, tmp_path):
    server, _ = materialized
    page.goto(f"{server.url}/asset-groups")
    page.wait_for_load_state("networkidle")
    page.get_by_text("planning").last.wait_for()  # the graph has laid out its groups
    page.keyboard.press("Alt+KeyE")  # the UI's shortcut for "Expand all groups"
    page.locator(NODE_LABEL).nth(len(ASSET_NAMES) - 1).wait_for()
    shot = screenshot(page, tmp_path, "asset_graph")

    labels = [text.strip() for text in page.locator(NODE_LABEL).all_inner_texts()]
    assert len(labels) == len(ASSET_NAMES), labels
    for name in ASSET_NAMES:
        assert sum(shown_as(label, name) for label in labels) == 1, (name, labels)
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one


def test_an_asset_page_renders_its_markdown_reports(materialized, page, tmp_path):
    server, request_id = materialized
    page.goto(f"{server.url}/assets/code_tree?partition={request_id}")
    page.wait_for_load_state("networkidle")
    # The `files` metadata is a Markdown table: rendered, its header is a real <th>.
    header = page.locator("th", has_text="last check result")
    header.first.wait_for()
    assert header.first.is_visible()
    assert page.locator("td", has_text="wordcount/counter.py").first.is_visible()
    screenshot(page, tmp_path, "asset_code_tree")

    page.goto(f"{server.url}/assets/capsule?partition={request_id}")
    page.wait_for_load_state("networkidle")
    gates = page.locator("table", has=page.locator("th", has_text="detail"))
    gates.first.wait_for()
    rows = gates.first.locator("tbody tr").all_inner_texts()
    assert {row.split()[0] for row in rows} >= {"code_parses", "tests_pass"}
    assert "|" not in " ".join(rows)  # Markdown rendered, not shown as source
    screenshot(page, tmp_path, "asset_capsule")
