"""What a request's stored artifacts say it has spent on LLM calls (the budget's "spent so
far"): the store's key layout stays here, the LLM layer only receives the callable."""

import json
from collections.abc import Callable

from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.store.artifact_store import ArtifactStore
from quantumlayer_dagster.store.keys import request_prefix


def stored_request_usage(store: ArtifactStore, request_id: str) -> Callable[[set[str]], LLMUsage]:
    """Usage recorded by the ``llm`` record of each stored artifact of the request, except the
    stages named in the argument (``llm.budget.EarlierUsage``); cached calls cost nothing."""
    prefix = request_prefix(request_id)

    def earlier(skip: set[str]) -> LLMUsage:
        usage = LLMUsage()
        for key in store.list_keys(prefix):
            name = key.removeprefix(prefix).removesuffix(".json")
            if not key.endswith(".json") or "/" in name or name in skip:
                continue
            try:
                record = json.loads(store.get_bytes(key)).get("llm")
            except (ValueError, AttributeError):
                continue
            if isinstance(record, dict) and isinstance(record.get("calls"), list):
                paid = LLMUsage.model_validate(record)
                usage = usage.add([c for c in paid.calls if not c.cached])
        return usage

    return earlier
