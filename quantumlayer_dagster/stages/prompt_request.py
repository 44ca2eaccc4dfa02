"""Stage 0: turn a submission into the validated request the pipeline runs on."""

from quantumlayer_dagster.artifacts.request import (
    PromptRequest,
    PromptSubmission,
    check_prompt_text,
    prompt_digest,
)


def build_prompt_request(submission: PromptSubmission) -> PromptRequest:
    """Validate the submitted prompt again (it crossed a storage boundary) and record its
    digest, options and size."""
    prompt = check_prompt_text(submission.prompt)
    return PromptRequest(
        request_id=submission.request_id,
        prompt=prompt,
        prompt_sha256=prompt_digest(prompt),
        options=submission.options,
        source=submission.source,
        submitted_at=submission.submitted_at,
        word_count=len(prompt.split()),
    )
