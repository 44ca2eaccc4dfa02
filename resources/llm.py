"""LLMResource: the LLM client stages receive, built from an LLM config file."""

import os

import dagster as dg
from pydantic import PrivateAttr

from quantumlayer_dagster.llm.budget import RequestBudget, stored_request_usage
from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import PACKAGED_LLM_CONFIG, load_llm_config
from quantumlayer_dagster.llm.protocol import LLM
from quantumlayer_dagster.llm.response_cache import build_response_cache
from quantumlayer_dagster.llm.spend_ledger import SpendLedger
from resources.artifact_store import ArtifactStoreResource
from resources.spend_ledger import instance_spend_ledger


class LLMResource(dg.ConfigurableResource):
    """The LLM named by ``config_path`` (default: the embedded local SmolLM2 config).

    The client is built once per run (in ``setup_for_execution``, or on first use outside a
    run) so a broken config fails the run at its start with the file and field named. With an
    ``artifact_store`` it caches replies there (``cache.backend: store``) and, inside a run of
    one request, charges the request's budget with what its stored artifacts already spent.
    Inside a run on a persistent instance the budget is kept in the instance's shared spend
    ledger instead, so steps in separate processes or pods reserve from one total.
    """

    config_path: str = str(PACKAGED_LLM_CONFIG)
    artifact_store: ArtifactStoreResource | None = None

    _client: LiteLLMClient | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Load the config and build the client before any asset uses it."""
        run = context.run
        request_id = run.tags.get("dagster/partition") if run is not None else None
        ledger = (
            instance_spend_ledger(context.instance, request_id)
            if request_id and context.instance is not None
            else None
        )
        self._client = self._build(request_id, ledger)

    @property
    def client(self) -> LLM:
        """The LLM protocol object stage functions take."""
        if self._client is None:
            self._client = self._build(None)
        return self._client

    def _build(self, request_id: str | None, ledger: SpendLedger | None = None) -> LiteLLMClient:
        config = load_llm_config(self.config_path)
        store = self.artifact_store.store() if self.artifact_store is not None else None
        earlier = stored_request_usage(store, request_id) if store and request_id else None
        return LiteLLMClient(
            config,
            cache=build_response_cache(config.cache, store, os.environ),
            budget=RequestBudget(config.budget, earlier, ledger),
        )
