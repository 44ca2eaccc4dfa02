"""The capsule as the pipeline records it: where the archive is and what it holds."""

from pydantic import BaseModel

from quantumlayer_dagster.artifacts.capsule import CapsuleManifest, CapsuleVerification


class Capsule(BaseModel):
    """Packaging artifact: the stored archive's key, digest and manifest, and the result of
    verifying it right after it was written."""

    request_id: str
    key: str
    location: str
    sha256: str
    size_bytes: int
    manifest: CapsuleManifest
    verification: CapsuleVerification
