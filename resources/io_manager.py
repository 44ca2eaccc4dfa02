"""IO manager storing every asset of every request as JSON under ``requests/<id>/<asset>.json``."""

import dagster as dg
from pydantic import BaseModel

from quantumlayer_dagster.artifacts.serialization import artifact_from_json, artifact_to_json
from quantumlayer_dagster.store.keys import asset_key
from resources.artifact_store import ArtifactStoreResource


class JsonArtifactIOManager(dg.ConfigurableIOManager):
    """Pydantic models in, JSON out (never pickle); the input's type annotation says which
    model to load."""

    artifact_store: dg.ResourceDependency[ArtifactStoreResource]

    def _key(self, asset: dg.AssetKey, partition: str) -> str:
        return asset_key(partition, asset.to_user_string())

    def handle_output(self, context: dg.OutputContext, obj: BaseModel) -> None:
        if not isinstance(obj, BaseModel):
            raise TypeError(
                f"{context.asset_key.to_user_string()} returned {type(obj).__name__}; "
                "assets must return a pydantic artifact model"
            )
        key = self._key(context.asset_key, context.asset_partition_key)
        where = self.artifact_store.store().put_bytes(key, artifact_to_json(obj))
        # A bucket location (s3://...) is a URL; a local one is a path.
        link = dg.MetadataValue.url(where) if "://" in where else dg.MetadataValue.path(where)
        context.add_output_metadata({"artifact": link})

    def load_input(self, context: dg.InputContext) -> BaseModel:
        model = context.dagster_type.typing_type
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(f"input {context.name} must be annotated with an artifact model")
        upstream = context.upstream_output
        assert upstream is not None and upstream.asset_key is not None
        key = self._key(upstream.asset_key, context.asset_partition_key)
        return artifact_from_json(model, self.artifact_store.store().get_bytes(key))
