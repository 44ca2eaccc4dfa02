"""A second judge for the tenant policy: moto's S3 server with IAM enforcement on (its own
subprocess, so no other test's server changes). moto checks a statement's Action and
Resource but passes no request values to its Condition (moto/iam/access_control.py,
``check_action_permitted``): a conditional statement never allows, so the s3:prefix listing
rules are judged by the evaluator alone (test_minio_policies.py). For every object request
here, moto and the evaluator must agree."""

import io
import json
import urllib.request
from collections.abc import Iterator

import boto3
import pytest
from minio import Minio
from minio.error import S3Error

from quantumlayer_dagster.store.minio_store import MinioStore, S3Connection
from tests.fixtures.s3_server import S3Server, start_s3_server, stop_s3_server
from tests.k8s.minio_policies import ARTIFACTS, PROMPTS, render_tenant_policy
from tests.k8s.s3_policy import Request, allows, delete_object, get_object, put_object

pytestmark = pytest.mark.server

REGION = "us-east-1"  # a tenant's client names it: the policy refuses GetBucketLocation
SEEDED = [
    (PROMPTS, "incoming/a/seen.txt"),
    (PROMPTS, "incoming/b/seen.txt"),
    (ARTIFACTS, "tenants/a/capsules/r.tar.gz"),
    (ARTIFACTS, "tenants/b/capsules/r.tar.gz"),
    (ARTIFACTS, "requests/r/code_tree.json"),
    (ARTIFACTS, "llm-cache/0a.json"),
]


@pytest.fixture(scope="module")
def tenant_a() -> Iterator[S3Connection]:
    """A moto server holding both buckets and some objects, user a with the rendered tenant
    policy, IAM enforced from then on; a connection with a's keys."""
    server: S3Server = start_s3_server()
    try:
        url = f"http://{server.endpoint}"
        admin = {
            "endpoint_url": url,
            "region_name": REGION,
            "aws_access_key_id": "admin",
            "aws_secret_access_key": "admin",
        }
        s3, iam = boto3.client("s3", **admin), boto3.client("iam", **admin)
        for bucket in (PROMPTS, ARTIFACTS):
            s3.create_bucket(Bucket=bucket)
        for bucket, key in SEEDED:
            s3.put_object(Bucket=bucket, Key=key, Body=b"x")
        iam.create_user(UserName="tenant-a")
        iam.put_user_policy(
            UserName="tenant-a",
            PolicyName="quantumlayer-tenant-a",
            PolicyDocument=json.dumps(render_tenant_policy("a")),
        )
        key = iam.create_access_key(UserName="tenant-a")["AccessKey"]
        # From the next request on, every request is authenticated and authorized.
        enforce = urllib.request.Request(
            f"{url}/moto-api/reset-auth", data=b"0", headers={"Content-Type": "text/plain"}
        )
        urllib.request.urlopen(enforce, timeout=10).close()
        yield S3Connection(
            server.endpoint,
            access_key=key["AccessKeyId"],
            secret_key=key["SecretAccessKey"],
            secure=False,
            region=REGION,
        )
    finally:
        stop_s3_server(server)


def _moto_allows(connection: S3Connection, request: Request, bucket: str, key: str) -> bool:
    client: Minio = connection.client()
    try:
        if request.action == "s3:PutObject":
            client.put_object(bucket, key, data=io.BytesIO(b"y"), length=1)
        elif request.action == "s3:GetObject":
            client.get_object(bucket, key).close()
        elif request.action == "s3:DeleteObject":
            client.remove_object(bucket, key)
        return True
    except S3Error as err:
        assert err.code == "AccessDenied", err
        return False


CASES = [
    (put_object, PROMPTS, "incoming/a/new.txt", True),
    (put_object, PROMPTS, "incoming/b/new.txt", False),
    (put_object, PROMPTS, "incoming/new.txt", False),
    (put_object, PROMPTS, "requests/r/x.json", False),
    (get_object, PROMPTS, "incoming/a/seen.txt", False),
    (get_object, ARTIFACTS, "tenants/a/capsules/r.tar.gz", True),
    (get_object, ARTIFACTS, "tenants/b/capsules/r.tar.gz", False),
    (get_object, ARTIFACTS, "requests/r/code_tree.json", False),
    (get_object, ARTIFACTS, "llm-cache/0a.json", False),
    (put_object, ARTIFACTS, "tenants/a/capsules/forged.tar.gz", False),
    (delete_object, PROMPTS, "incoming/a/seen.txt", False),
    (delete_object, ARTIFACTS, "tenants/a/capsules/r.tar.gz", False),
]


@pytest.mark.parametrize(
    ("make", "bucket", "key", "expected"),
    CASES,
    ids=[f"{m.__name__} {b}/{k}" for m, b, k, _ in CASES],
)
def test_moto_and_the_evaluator_agree_on_what_tenant_a_may_do(
    tenant_a: S3Connection, make, bucket: str, key: str, expected: bool
) -> None:
    request = make(bucket, key)
    assert allows(request, render_tenant_policy("a")) is expected
    assert _moto_allows(tenant_a, request, bucket, key) is expected


def test_our_store_uploads_and_fetches_with_a_tenant_credential(tenant_a: S3Connection) -> None:
    """The CLI's store (submit, fetch) works with keys limited to the tenant's prefixes: the
    bucket check before the first write may be refused (AccessDenied), the write is not."""
    prompts, artifacts = MinioStore(tenant_a, PROMPTS), MinioStore(tenant_a, ARTIFACTS)
    prompts.put_bytes("incoming/a/by-store.txt", b"a prompt")
    assert artifacts.get_bytes("tenants/a/capsules/r.tar.gz") == b"x"
    with pytest.raises(Exception, match=r"AccessDenied|denied"):
        prompts.put_bytes("incoming/b/by-store.txt", b"another tenant's folder")
