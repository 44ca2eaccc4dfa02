"""Storing a prompt as handed in, under ``requests/<id>/submission.json``: the one way the
CLI, the upload sensor and GraphQL launches hand a request to the ``prompt_request`` asset."""

from datetime import datetime

from pydantic import ValidationError

from quantumlayer_dagster.artifacts.request import PromptSubmission, RequestOptions, new_request_id
from quantumlayer_dagster.artifacts.serialization import artifact_to_json
from quantumlayer_dagster.store.artifact_store import ArtifactNotFound, ArtifactStore
from quantumlayer_dagster.store.keys import submission_key
from quantumlayer_dagster.tenants import DEFAULT_TENANT


def store_submission(
    store: ArtifactStore,
    prompt: str,
    options: RequestOptions,
    source: str,
    *,
    request_id: str | None = None,
    submitted_at: datetime | None = None,
) -> str:
    """Write the submission (a new request id unless one is given) and return the id.
    Writing the same id and content again is harmless, so a retried launch may repeat it."""
    rid = request_id or new_request_id()
    submission = PromptSubmission(request_id=rid, prompt=prompt, options=options, source=source)
    if submitted_at is not None:
        submission.submitted_at = submitted_at
    store.put_bytes(submission_key(rid), artifact_to_json(submission))
    return rid


def stored_tenant(store: ArtifactStore, request_id: str) -> str:
    """The tenant a request was submitted for, from its stored submission (``shared`` when
    the submission is missing or unreadable: the default every request had before)."""
    try:
        data = store.get_bytes(submission_key(request_id))
        return PromptSubmission.model_validate_json(data).options.tenant
    except (ArtifactNotFound, ValidationError):
        return DEFAULT_TENANT
