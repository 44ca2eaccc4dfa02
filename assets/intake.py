"""Stage 0 asset: the validated request, read from the submission stored before the run."""

import dagster as dg

from assets.declare import request_asset
from assets.metadata import markdown
from quantumlayer_dagster.artifacts.request import PromptRequest, PromptSubmission
from quantumlayer_dagster.artifacts.serialization import artifact_from_json
from quantumlayer_dagster.stages.prompt_request import build_prompt_request
from quantumlayer_dagster.store.artifact_store import ArtifactNotFound
from quantumlayer_dagster.store.keys import submission_key
from quantumlayer_dagster.tenants import TenantMismatch, check_run_tenant
from resources.artifact_store import ArtifactStoreResource


@request_asset("intake", {"python"})
def prompt_request(
    context: dg.AssetExecutionContext, artifact_store: ArtifactStoreResource
) -> dg.Output[PromptRequest]:
    """The user's prompt with its request id, digest and options, validated."""
    rid = context.partition_key
    key = submission_key(rid)
    try:
        data = artifact_store.store().get_bytes(key)
    except ArtifactNotFound:
        raise dg.Failure(
            f"no submission for request {rid} at {key}: submit the prompt with "
            "`quantumlayer run` (or upload it) before launching the partition"
        ) from None
    request = build_prompt_request(artifact_from_json(PromptSubmission, data))
    try:
        # A GraphQL launch names its tenant by the run tag; the stored request must agree.
        check_run_tenant(context.run.tags, request.options.tenant, rid)
    except TenantMismatch as exc:
        raise dg.Failure(str(exc)) from None
    return dg.Output(
        request,
        metadata={
            "request_id": rid,
            "prompt_sha256": request.prompt_sha256,
            "words": request.word_count,
            "source": request.source,
            "tenant": request.options.tenant,
            "prompt": markdown(f"```\n{request.prompt[:2000]}\n```"),
        },
    )
