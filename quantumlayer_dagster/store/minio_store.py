"""The production store: a MinIO (or any S3-compatible) bucket through the ``minio`` SDK,
with the same key layout as the local directory.

Atomicity: every write here is one PUT of bytes held in memory (artifacts and capsules
are far below the SDK's 5 GiB single-part limit, so ``put_object`` never goes multipart);
S3 makes a PUT visible all at once or not at all, so a failed or interrupted write leaves
the previous object (or none) under the key, never a partial one. Were a blob ever to go
multipart, the object would likewise appear only on CompleteMultipartUpload, and the SDK
aborts the upload when a part fails.
"""

import io
import os
from dataclasses import dataclass, field

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import CopySource
from minio.error import S3Error

from quantumlayer_dagster.store.artifact_store import ArtifactNotFound, StoredObject
from quantumlayer_dagster.store.s3_retry import DEFAULT_RETRY, RetryPolicy, with_retry

_MISSING = {"NoSuchKey", "NoSuchBucket", "NoSuchObject"}
_BUCKET_TAKEN = {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}
_CONTENT_TYPES = {
    ".json": "application/json",
    ".gz": "application/gzip",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class S3Connection:
    """Where the S3 server is and how to sign requests; the keys never appear in a repr."""

    endpoint: str
    """host:port, without a scheme (e.g. ``minio.quantumlayer:9000``)."""
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    secure: bool = True
    region: str = "us-east-1"
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 60.0
    ca_certs: str | None = None
    """A CA bundle file for HTTPS (the resource passes ``SSL_CERT_FILE``); None: certifi's."""

    def client(self) -> Minio:
        """A client whose own HTTP layer does not retry: ``with_retry`` does, bounded and
        logged, so a dead server fails in seconds instead of the SDK's silent retries."""
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=self.connect_timeout_s, read=self.read_timeout_s),
            retries=urllib3.Retry(total=0, raise_on_redirect=False, raise_on_status=False),
            maxsize=10,
            cert_reqs="CERT_REQUIRED",
            ca_certs=self.ca_certs or certifi.where(),
        )
        return Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            secure=self.secure,
            region=self.region,
            http_client=http,
        )


class MinioStore:
    """Objects in one bucket, created on the first write when missing."""

    def __init__(
        self, connection: S3Connection, bucket: str, retry: RetryPolicy = DEFAULT_RETRY
    ) -> None:
        self.connection = connection
        self.bucket = bucket
        self.retry = retry
        self._client = connection.client()
        self._bucket_ready = False

    def __repr__(self) -> str:
        return f"MinioStore({self.connection.endpoint!r}, bucket={self.bucket!r})"

    @property
    def _where(self) -> str:
        return f"{self.connection.endpoint}/{self.bucket}"

    def ensure_bucket(self) -> None:
        """Create the bucket unless it exists (another writer creating it first is fine)."""
        if self._bucket_ready:
            return

        def create() -> None:
            try:
                if self._client.bucket_exists(self.bucket):
                    return
            except S3Error as exc:
                # A credential limited to its prefixes (a tenant's) may not ask about the
                # bucket; its first write then says whether the bucket exists.
                if exc.code == "AccessDenied":
                    return
                raise
            try:
                self._client.make_bucket(self.bucket)
            except S3Error as exc:
                if exc.code not in _BUCKET_TAKEN:
                    raise

        with_retry(create, "bucket creation", self._where, self.retry)
        self._bucket_ready = True

    def put_bytes(self, key: str, data: bytes) -> str:
        self.ensure_bucket()
        content_type = _CONTENT_TYPES.get(os.path.splitext(key)[1], "application/octet-stream")
        # A fresh stream per attempt: a retried PUT must send the whole body again.
        with_retry(
            lambda: self._client.put_object(
                self.bucket, key, io.BytesIO(data), len(data), content_type=content_type
            ),
            f"put {key}",
            self._where,
            self.retry,
        )
        return self.location(key)

    def get_bytes(self, key: str) -> bytes:
        def read() -> bytes:
            response = self._client.get_object(self.bucket, key)
            try:
                return bytes(response.read())
            finally:
                response.close()
                response.release_conn()

        try:
            return with_retry(read, f"get {key}", self._where, self.retry)
        except S3Error as exc:
            if exc.code in _MISSING:
                raise ArtifactNotFound(f"no artifact {key!r} in {self._where}") from None
            raise

    def exists(self, key: str) -> bool:
        try:
            with_retry(
                lambda: self._client.stat_object(self.bucket, key),
                f"stat {key}",
                self._where,
                self.retry,
            )
        except S3Error as exc:
            if exc.code in _MISSING:
                return False
            raise
        return True

    def list_objects(self, prefix: str) -> list[StoredObject]:
        def listing() -> list[StoredObject]:
            # The SDK pages lazily: materialise inside the retry so a failure mid-way retries.
            return [
                StoredObject(
                    key=str(o.object_name),
                    etag=(o.etag or "").strip('"'),
                    size=int(o.size or 0),
                    last_modified=o.last_modified,
                )
                for o in self._client.list_objects(self.bucket, prefix=prefix, recursive=True)
                if o.object_name is not None and not o.is_dir
            ]

        try:
            found = with_retry(listing, f"list {prefix}", self._where, self.retry)
        except S3Error as exc:
            if exc.code == "NoSuchBucket":
                return []
            raise
        return sorted(found, key=lambda o: o.key)

    def list_keys(self, prefix: str) -> list[str]:
        return [o.key for o in self.list_objects(prefix)]

    def move(self, key: str, new_key: str) -> None:
        # A server-side copy is atomic under the new key; the source goes only after it.
        try:
            with_retry(
                lambda: self._client.copy_object(
                    self.bucket, new_key, CopySource(self.bucket, key)
                ),
                f"copy {key}",
                self._where,
                self.retry,
            )
        except S3Error as exc:
            if exc.code in _MISSING:
                return
            raise
        with_retry(
            lambda: self._client.remove_object(self.bucket, key),
            f"delete {key}",
            self._where,
            self.retry,
        )

    def put_file(self, key: str, path: str) -> None:
        """Upload the file at ``path`` (streamed: large backup parts never sit in memory;
        a multipart upload appears under ``key`` only when it completes)."""
        self.ensure_bucket()
        with_retry(
            lambda: self._client.fput_object(self.bucket, key, path),
            f"put {key}",
            self._where,
            self.retry,
        )

    def get_file(self, key: str, path: str) -> None:
        """Download the object under ``key`` into the file ``path``; ArtifactNotFound if absent."""
        try:
            with_retry(
                lambda: self._client.fget_object(self.bucket, key, path),
                f"get {key}",
                self._where,
                self.retry,
            )
        except S3Error as exc:
            if exc.code in _MISSING:
                raise ArtifactNotFound(f"no object {key!r} in {self._where}") from None
            raise

    def delete(self, key: str) -> None:
        """Remove the object under ``key`` (absent is fine)."""
        with_retry(
            lambda: self._client.remove_object(self.bucket, key),
            f"delete {key}",
            self._where,
            self.retry,
        )

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"
