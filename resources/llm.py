"""LLMResource: the LLM client stages receive, built from an LLM config file."""

import dagster as dg
from pydantic import PrivateAttr

from quantumlayer_dagster.artifacts.request import PromptSubmission
from quantumlayer_dagster.artifacts.serialization import artifact_from_json
from quantumlayer_dagster.audit.log import RequestAudit
from quantumlayer_dagster.llm.budget import RequestBudget
from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import PACKAGED_LLM_CONFIG, load_llm_config
from quantumlayer_dagster.llm.protocol import LLM
from quantumlayer_dagster.llm.response_cache import build_response_cache
from quantumlayer_dagster.llm.spend_ledger import SpendLedger
from quantumlayer_dagster.llm.tenant_budget import TenantBudgets, TenantWindow
from quantumlayer_dagster.store.artifact_store import ArtifactNotFound, ArtifactStoreUnavailable
from quantumlayer_dagster.store.keys import submission_key
from quantumlayer_dagster.store.llm_cache import StoreResponseCache
from quantumlayer_dagster.store.request_usage import stored_request_usage
from quantumlayer_dagster.tenants import TENANT_TAG, TenantMismatch, check_run_tenant, tag_tenant
from resources.artifact_store import ArtifactStoreResource
from resources.audit_log import run_audit
from resources.spend_ledger import instance_spend_ledger


class LLMResource(dg.ConfigurableResource):
    """The LLM named by ``config_path`` (default: the embedded local SmolLM2 config).

    ``env`` holds the variables the config names (API keys, the Redis URL), bound as
    ``dg.EnvVar`` where Definitions are built, so the UI shows their names and the LLM layer
    gets their values without reading the environment itself. The client is built once per
    run (in ``setup_for_execution``, or on first use outside a run) so a broken config or an
    unset variable fails the run at its start with the file and field named. With an
    ``artifact_store`` it caches replies there (``cache.backend: store``) and, inside a run of
    one request, charges the request's budget with what its stored artifacts already spent.
    Inside a run on a persistent instance the budget is kept in the instance's shared spend
    ledger instead, so steps in separate processes or pods reserve from one total; there the
    run's tenant (its ``quantumlayer/tenant`` tag) also spends from its window budget,
    ``tenant_budgets`` (``TenantBudgets`` as JSON, from the ``QL_TENANT_*`` settings; empty:
    no tenant limits), and a budget stop is recorded in the instance's audit trail.
    """

    config_path: str = str(PACKAGED_LLM_CONFIG)
    artifact_store: ArtifactStoreResource | None = None
    env: dict[str, str] = {}
    tenant_budgets: str = ""

    _client: LiteLLMClient | None = PrivateAttr(default=None)
    _store_down: ArtifactStoreUnavailable | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Load the config and build the client before any asset uses it."""
        run = context.run
        request_id = run.tags.get("dagster/partition") if run is not None else None
        ledger, audit = None, None
        if request_id and run is not None and context.instance is not None:
            try:
                tenant = self._run_tenant(dict(run.tags), request_id)
            except ArtifactStoreUnavailable as exc:
                # Raised by the first step that asks for the model, so the run fails as
                # that step, naming the store, not with the run's anonymous setup error.
                self._store_down = exc
                return
            ledger = instance_spend_ledger(
                context.instance, request_id, tenant, self._tenant_window(tenant)
            )
            audit = run_audit(context.instance, run, tenant)
        self._client = self._build(request_id, ledger, audit)

    def _run_tenant(self, tags: dict[str, str], request_id: str) -> str:
        """The tenant whose budget the run spends: its tag's, which must agree with its
        request's (as ``prompt_request`` checks), also for a run that re-materializes only
        later stages; a one-line Failure otherwise."""
        request_tenant = self._request_tenant(request_id)
        try:
            if request_tenant is None:
                return tag_tenant(tags)
            return check_run_tenant(tags, request_tenant, request_id)
        except TenantMismatch as exc:
            raise dg.Failure(str(exc)) from None
        except ValueError as exc:
            raise dg.Failure(f"run tag {TENANT_TAG}: {exc}") from None

    def _request_tenant(self, request_id: str) -> str | None:
        """The tenant of the stored request, or None when no submission is stored."""
        if self.artifact_store is None:
            return None
        try:
            data = self.artifact_store.store().get_bytes(submission_key(request_id))
        except ArtifactNotFound:
            return None
        return artifact_from_json(PromptSubmission, data).options.tenant

    def _tenant_window(self, tenant: str) -> TenantWindow | None:
        if not self.tenant_budgets:
            return None
        return TenantBudgets.model_validate_json(self.tenant_budgets).window_for(tenant)

    @property
    def client(self) -> LLM:
        """The LLM protocol object stage functions take."""
        if self._store_down is not None:
            raise self._store_down
        if self._client is None:
            self._client = self._build(None)
        return self._client

    def _build(
        self,
        request_id: str | None,
        ledger: SpendLedger | None = None,
        audit: RequestAudit | None = None,
    ) -> LiteLLMClient:
        env = dict(self.env)
        config = load_llm_config(self.config_path, env=env)
        store = self.artifact_store.store() if self.artifact_store is not None else None
        earlier = stored_request_usage(store, request_id) if store and request_id else None
        in_store = StoreResponseCache(store) if store is not None else None
        return LiteLLMClient(
            config,
            cache=build_response_cache(config.cache, in_store, env),
            budget=RequestBudget(config.budget, earlier, ledger, audit),
            env=env,
        )
