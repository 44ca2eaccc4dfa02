"""The one place that assembles the Dagster Definitions (``dagster dev`` and ``dg`` load
``defs``): the settings are read here, once, and every resource is built from them."""

import dagster as dg

from assets import ALL_ASSETS
from assets.audit_trail import build_cancellation_sensor
from assets.executors import executor_for
from assets.jobs import generate_project
from assets.loggers import json_console
from assets.sensors import build_prompt_upload_sensor
from quantumlayer_dagster.llm.config import LLMConfigError, read_llm_config
from quantumlayer_dagster.observability import tracing
from quantumlayer_dagster.observability.log_format import configure_logging
from quantumlayer_dagster.settings import Settings
from resources.artifact_store import ArtifactStoreResource, artifact_store_resource
from resources.environment import env_vars_set
from resources.io_manager import JsonArtifactIOManager
from resources.llm import LLMResource
from resources.memory import VectorMemoryResource
from resources.node_tools import NodeToolsResource
from resources.package_index import PackageIndexResource
from resources.quality_gates import QualityGatesResource
from resources.sandbox import SandboxResource


def build_definitions(settings: Settings) -> dg.Definitions:
    """Definitions for the given settings (tests pass their own). This process's tracing
    and log format are set from them too: every run worker, step process and code server
    loads the Definitions."""
    tracing.configure(settings.telemetry.tracing)
    configure_logging(settings.log_format)
    store = artifact_store_resource(settings)
    return dg.Definitions(
        assets=ALL_ASSETS,
        jobs=[generate_project],
        executor=executor_for(settings.executor, traced=settings.telemetry.tracing.enabled),
        # Dagster's own lines as JSON too; the console logger stays Dagster's otherwise.
        loggers={"console": json_console} if settings.log_format == "json" else None,
        sensors=[
            build_prompt_upload_sensor(settings.upload_batch, settings.upload_poll_s),
            build_cancellation_sensor(),
        ],
        resources={
            "artifact_store": store,
            "io_manager": JsonArtifactIOManager(artifact_store=store),
            "llm": llm_resource(settings, store),
            "sandbox": SandboxResource.from_settings(settings),
            "quality_gates": QualityGatesResource(
                advisory_db=settings.advisory_db,
                advisory_online=settings.advisory_online,
                types_blocking=settings.types_blocking,
            ),
            "package_index": PackageIndexResource(cache_file=str(settings.package_index_cache)),
            "memory": VectorMemoryResource.from_settings(settings),
            "node_tools": NodeToolsResource(folder=settings.node_tools),
        },
    )


def llm_resource(settings: Settings, store: ArtifactStoreResource) -> LLMResource:
    """The LLM of ``settings.llm_config`` with the variables it names (API keys, Redis URL)
    bound as ``dg.EnvVar``. A config that cannot be read binds none: the run then fails at
    its start with the file and field named, not the code location at load."""
    try:
        names = read_llm_config(settings.llm_config).env_names()
    except LLMConfigError:
        names = []
    budgets = settings.tenant_budgets
    limited = budgets.default.limited or any(t.limited for t in budgets.tenants.values())
    return LLMResource(
        config_path=str(settings.llm_config),
        artifact_store=store,
        env=env_vars_set(names),
        tenant_budgets=budgets.model_dump_json() if limited else "",
    )


defs = build_definitions(Settings.from_env())
