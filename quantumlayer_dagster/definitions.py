"""The one place that assembles the Dagster Definitions (``dagster dev`` loads ``defs``)."""

import dagster as dg

from assets import ALL_ASSETS
from assets.executors import executor_for
from assets.jobs import generate_project
from assets.sensors import build_prompt_upload_sensor
from quantumlayer_dagster.settings import Settings
from resources.artifact_store import artifact_store_resource
from resources.io_manager import JsonArtifactIOManager
from resources.llm import LLMResource
from resources.memory import VectorMemoryResource
from resources.quality_gates import QualityGatesResource
from resources.sandbox import SandboxResource


def build_definitions(settings: Settings) -> dg.Definitions:
    """Definitions for the given settings (tests pass their own)."""
    store = artifact_store_resource(settings)
    return dg.Definitions(
        assets=ALL_ASSETS,
        jobs=[generate_project],
        executor=executor_for(settings.executor),
        sensors=[build_prompt_upload_sensor(settings.upload_batch, settings.upload_poll_s)],
        resources={
            "artifact_store": store,
            "io_manager": JsonArtifactIOManager(artifact_store=store),
            "llm": LLMResource(config_path=str(settings.llm_config), artifact_store=store),
            "sandbox": SandboxResource.from_settings(settings),
            "quality_gates": QualityGatesResource(
                advisory_db=settings.advisory_db, advisory_online=settings.advisory_online
            ),
            "memory": VectorMemoryResource.from_settings(settings),
        },
    )


defs = build_definitions(Settings.from_env())
