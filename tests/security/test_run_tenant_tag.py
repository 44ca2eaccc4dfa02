"""A run names its tenant by its ``quantumlayer/tenant`` tag (the run queue's fair share counts
it); the request it runs must belong to that tenant, or the run is refused at its first stage
in one line saying which tag to launch with. A run without the tag is the shared tenant's."""

from pathlib import Path

import dagster as dg
import pytest

from assets.intake import prompt_request
from assets.partitions import requests_partitions
from quantumlayer_dagster.artifacts.request import RequestOptions, new_request_id
from quantumlayer_dagster.store.submissions import store_submission
from quantumlayer_dagster.tenants import TENANT_TAG, TenantMismatch, check_run_tenant
from resources.artifact_store import ArtifactStoreResource
from resources.llm import LLMResource
from tests.fixtures import wordcount


def run_stage_0(tmp_path: Path, request_tenant: str, tags: dict[str, str]) -> tuple[bool, str]:
    """Materialize ``prompt_request`` for a new request of ``request_tenant`` with ``tags``:
    (success, the failure's description)."""
    stores = ArtifactStoreResource(
        root=str(tmp_path / "artifacts"), prompts_root=str(tmp_path / "prompts")
    )
    rid = store_submission(
        stores.store(), wordcount.PROMPT, RequestOptions(tenant=request_tenant), "test"
    )
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(str(requests_partitions.name), [rid])
    result = dg.materialize(
        [prompt_request],
        instance=instance,
        partition_key=rid,
        tags=tags,
        resources={"artifact_store": stores},
        raise_on_error=False,
    )
    failures = result.get_step_failure_events()
    description = ""
    if failures and failures[0].step_failure_data.user_failure_data is not None:
        description = failures[0].step_failure_data.user_failure_data.description or ""
    return result.success, description


def test_a_run_tagged_with_its_requests_tenant_runs(tmp_path: Path) -> None:
    assert run_stage_0(tmp_path, "acme", {TENANT_TAG: "acme"}) == (True, "")


def test_a_run_without_the_tag_runs_a_shared_request(tmp_path: Path) -> None:
    assert run_stage_0(tmp_path, "shared", {}) == (True, "")


@pytest.mark.parametrize(
    ("request_tenant", "tags", "said"),
    [
        ("acme", {TENANT_TAG: "globex"}, "names tenant 'globex' but request"),
        ("acme", {}, "is missing (shared) but request"),
        ("shared", {TENANT_TAG: "acme"}, "names tenant 'acme' but request"),
        ("acme", {TENANT_TAG: "../acme"}, "'../acme' is not a tenant name"),
    ],
)
def test_a_run_whose_tag_disagrees_with_its_request_is_refused_in_one_line(
    tmp_path: Path, request_tenant: str, tags: dict[str, str], said: str
) -> None:
    success, description = run_stage_0(tmp_path, request_tenant, tags)
    assert not success
    assert said in description and "\n" not in description
    assert TENANT_TAG in description


def test_the_refusal_says_which_tag_to_launch_with() -> None:
    rid = new_request_id()
    with pytest.raises(TenantMismatch) as caught:
        check_run_tenant({TENANT_TAG: "globex"}, "acme", rid)
    assert str(caught.value).endswith(f"launch it with the tag {TENANT_TAG}=acme")
    assert rid in str(caught.value)


@dg.asset(partitions_def=requests_partitions)
def later_stage(llm: LLMResource) -> None:
    """A stage after ``prompt_request``, as a run re-materializing only later stages has:
    its LLM resource checks the run's tenant against the request's before any call."""
    assert llm.client is not None


@pytest.mark.parametrize(
    ("tags", "said"),
    [
        ({TENANT_TAG: "acme"}, ""),
        ({TENANT_TAG: "globex"}, "names tenant 'globex' but request"),
        ({}, "is missing (shared) but request"),
    ],
)
def test_a_run_of_later_stages_only_is_refused_too_when_its_tag_disagrees(
    tmp_path: Path, tags: dict[str, str], said: str
) -> None:
    stores = ArtifactStoreResource(
        root=str(tmp_path / "artifacts"), prompts_root=str(tmp_path / "prompts")
    )
    rid = store_submission(stores.store(), wordcount.PROMPT, RequestOptions(tenant="acme"), "t")
    (tmp_path / "home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "home")) as instance:  # has a ledger
        instance.add_dynamic_partitions(str(requests_partitions.name), [rid])
        result = dg.materialize(
            [later_stage],
            instance=instance,
            partition_key=rid,
            tags=tags,
            resources={"llm": LLMResource(artifact_store=stores)},
            raise_on_error=False,
        )
        events = [e.dagster_event for e in instance.all_logs(result.run_id) if e.dagster_event]
    if not said:
        assert result.success
        return
    assert not result.success
    messages = " ".join(str(e.event_specific_data) for e in events)
    assert said in messages and TENANT_TAG in messages
