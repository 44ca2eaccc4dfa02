"""What each MinIO policy in deploy/minio.yaml allows and refuses, judged by the IAM evaluator
(tests/k8s/s3_policy.py): a tenant's credential reaches its own upload and capsule prefixes
and nothing else; the application's credential still does everything the pipeline needs."""

import json
import re

import pytest

from quantumlayer_dagster.tenants import check_tenant
from tests.k8s.minio_policies import (
    ARTIFACTS,
    PROMPTS,
    app_policy,
    listed_tenants,
    render_tenant_policy,
    tenant_template,
)
from tests.k8s.s3_policy import (
    Decision,
    Request,
    allows,
    delete_object,
    evaluate,
    get_object,
    list_objects,
    put_object,
)

A = render_tenant_policy("a")


# The evaluator itself


def test_an_explicit_deny_wins_over_an_allow_in_any_order() -> None:
    allow = {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}
    deny = {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/keep/*"}
    for statements in ([allow, deny], [deny, allow]):
        policy = {"Version": "2012-10-17", "Statement": statements}
        assert evaluate(delete_object("b", "keep/x"), policy) is Decision.EXPLICIT_DENY
        assert evaluate(delete_object("b", "other/x"), policy) is Decision.ALLOW
    # ... and across two policies attached to the same user
    assert (
        evaluate(
            delete_object("b", "keep/x"),
            {"Statement": [allow]},
            {"Statement": [deny]},
        )
        is Decision.EXPLICIT_DENY
    )


def test_nothing_is_allowed_without_a_matching_allow() -> None:
    policy = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    assert evaluate(put_object("b", "k"), policy) is Decision.IMPLICIT_DENY
    assert evaluate(get_object("b", "k"), policy) is Decision.ALLOW
    assert evaluate(get_object("b", "k")) is Decision.IMPLICIT_DENY


def test_resource_wildcards_star_and_question_mark() -> None:
    policy = {
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/r?/*.gz"}
        ]
    }
    assert allows(get_object("b", "r1/deep/x.gz"), policy)  # * crosses "/"
    assert not allows(get_object("b", "r12/x.gz"), policy)  # ? is exactly one character
    assert not allows(get_object("b", "r1/x.gzip"), policy)
    assert not allows(get_object("other", "r1/x.gz"), policy)


def test_actions_match_without_case_and_resources_with_it() -> None:
    policy = {
        "Statement": [{"Effect": "Allow", "Action": "S3:get*", "Resource": "arn:aws:s3:::b/a"}]
    }
    assert allows(get_object("b", "a"), policy)
    assert not allows(get_object("b", "A"), policy)


def test_string_like_and_string_equals_conditions_on_the_prefix() -> None:
    like = {
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::b",
        "Condition": {"StringLike": {"s3:prefix": ["x/", "x/*"]}},
    }
    equals = {**like, "Condition": {"StringEquals": {"s3:prefix": "y/"}}}
    policy = {"Statement": [like, equals]}
    assert allows(list_objects("b", "x/"), policy)
    assert allows(list_objects("b", "x/deep/"), policy)
    assert allows(list_objects("b", "y/"), policy)
    assert not allows(list_objects("b", "y/deep/"), policy)  # StringEquals: no wildcard
    assert not allows(list_objects("b", "x"), policy)
    assert not allows(list_objects("b"), policy)  # no prefix: the key is absent


def test_a_negated_condition_holds_when_its_key_is_absent() -> None:
    deny = {
        "Effect": "Deny",
        "Action": "s3:ListBucket",
        "Resource": "*",
        "Condition": {"StringNotLike": {"s3:prefix": "public/*"}},
    }
    allow = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}
    policy = {"Statement": [allow, deny]}
    assert allows(list_objects("b", "public/x"), policy)
    assert evaluate(list_objects("b", "private/"), policy) is Decision.EXPLICIT_DENY
    assert evaluate(list_objects("b"), policy) is Decision.EXPLICIT_DENY


def test_not_action_and_not_resource() -> None:
    policy = {
        "Statement": [
            {"Effect": "Allow", "NotAction": "s3:DeleteObject", "NotResource": "arn:aws:s3:::b/s/*"}
        ]
    }
    assert allows(put_object("b", "k"), policy)
    assert not allows(delete_object("b", "k"), policy)
    assert not allows(put_object("b", "s/k"), policy)


@pytest.mark.parametrize(
    "statement",
    [
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/${aws:username}/*",
        },
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        },
        {"Effect": "Allow", "Action": "s3:GetObject"},
        {"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"},
    ],
    ids=["policy variable", "unsupported condition", "no resource", "bad effect"],
)
def test_what_the_evaluator_cannot_judge_raises_instead_of_deciding(statement: dict) -> None:
    request = Request("s3:GetObject", "arn:aws:s3:::b/x", {"s3:prefix": "x"})
    if statement["Action"] == "s3:ListBucket":
        request = list_objects("b", "x")
    with pytest.raises(ValueError):
        evaluate(request, {"Statement": [statement]})


# The tenant policy


def test_a_tenant_may_upload_under_its_incoming_prefix() -> None:
    assert allows(put_object(PROMPTS, "incoming/a/x"), A)
    assert allows(put_object(PROMPTS, "incoming/a/sub/prompt.txt"), A)


def test_a_tenant_may_fetch_its_capsules() -> None:
    assert allows(get_object(ARTIFACTS, "tenants/a/capsules/r.tar.gz"), A)


@pytest.mark.parametrize(
    "key",
    [
        "incoming/b/x",  # another tenant
        "incoming/x",  # the shared tenant
        "incoming/a",  # not under the tenant's folder
        "incoming/ab/x",  # a tenant whose name starts with "a"
        "incoming/a../x",
        "rejected/a/x",
        "requests/r1/prompt.json",
        "tenants/a/capsules/r.tar.gz",  # the prompts bucket has no capsules for it to write
    ],
)
def test_a_tenant_may_not_upload_anywhere_else_in_the_prompts_bucket(key: str) -> None:
    assert not allows(put_object(PROMPTS, key), A)


@pytest.mark.parametrize(
    "key",
    [
        "tenants/b/capsules/r.tar.gz",
        "tenants/ab/capsules/r.tar.gz",
        "tenants/a/ledger.json",
        "requests/r1/code_tree.json",
        "llm-cache/0a/1b.json",
        "incoming/a/x",  # the artifacts bucket has no incoming/
    ],
)
def test_a_tenant_may_not_read_anything_but_its_capsules(key: str) -> None:
    assert not allows(get_object(ARTIFACTS, key), A)
    assert not allows(put_object(ARTIFACTS, key), A)


def test_a_tenant_may_not_read_back_uploads_nor_write_capsules() -> None:
    assert not allows(get_object(PROMPTS, "incoming/a/x"), A)
    assert not allows(put_object(ARTIFACTS, "tenants/a/capsules/r.tar.gz"), A)


@pytest.mark.parametrize(
    ("bucket", "key"),
    [
        (PROMPTS, "incoming/a/x"),
        (ARTIFACTS, "tenants/a/capsules/r.tar.gz"),
        (PROMPTS, "incoming/b/x"),
    ],
)
def test_a_tenant_may_not_delete_even_its_own_objects(bucket: str, key: str) -> None:
    assert not allows(delete_object(bucket, key), A)


def test_a_tenant_may_list_its_own_prefixes_only() -> None:
    assert allows(list_objects(PROMPTS, "incoming/a/"), A)
    assert allows(list_objects(PROMPTS, "incoming/a/sub/"), A)
    assert allows(list_objects(ARTIFACTS, "tenants/a/capsules/"), A)
    for bucket, prefix in [
        (PROMPTS, "incoming/b/"),
        (PROMPTS, "incoming/"),  # would show every tenant's uploads
        (PROMPTS, "incoming/a"),  # also lists incoming/ab/...
        (PROMPTS, ""),
        (PROMPTS, None),
        (ARTIFACTS, "tenants/b/capsules/"),
        (ARTIFACTS, "tenants/a/"),
        (ARTIFACTS, "requests/"),
        (ARTIFACTS, "llm-cache/"),
        (ARTIFACTS, None),
        (PROMPTS, "tenants/a/capsules/"),  # the right prefix in the wrong bucket
    ]:
        assert not allows(list_objects(bucket, prefix), A), (bucket, prefix)


def test_a_tenant_has_no_bucket_or_admin_action() -> None:
    for action, resource in [
        ("s3:CreateBucket", f"arn:aws:s3:::{PROMPTS}"),
        ("s3:DeleteBucket", f"arn:aws:s3:::{PROMPTS}"),
        ("s3:PutBucketPolicy", f"arn:aws:s3:::{ARTIFACTS}"),
        ("s3:ListAllMyBuckets", "arn:aws:s3:::*"),
        ("s3:PutObjectAcl", f"arn:aws:s3:::{PROMPTS}/incoming/a/x"),
        ("s3:DeleteObjectVersion", f"arn:aws:s3:::{PROMPTS}/incoming/a/x"),
        ("admin:CreateUser", "arn:aws:s3:::*"),
    ]:
        assert not allows(Request(action, resource), A), action


def test_only_the_four_expected_statements_and_no_wildcard_action() -> None:
    statements = A["Statement"]
    granted = {(s["Sid"], a) for s in statements for a in s["Action"]}
    assert granted == {
        ("UploadPrompts", "s3:PutObject"),
        ("FetchCapsules", "s3:GetObject"),
        ("ListOwnUploads", "s3:ListBucket"),
        ("ListOwnCapsules", "s3:ListBucket"),
    }
    assert all(s["Effect"] == "Allow" for s in statements)


def test_every_listed_tenant_renders_to_a_policy_for_that_tenant_only() -> None:
    tenants = listed_tenants()
    assert tenants, "deploy/minio.yaml lists no example tenant"
    for tenant in tenants:
        assert check_tenant(tenant) == tenant
        policy = render_tenant_policy(tenant)
        assert allows(put_object(PROMPTS, f"incoming/{tenant}/p.txt"), policy)
        assert allows(get_object(ARTIFACTS, f"tenants/{tenant}/capsules/r.tar.gz"), policy)
        for other in tenants:
            if other != tenant:
                assert not allows(put_object(PROMPTS, f"incoming/{other}/p.txt"), policy)
                assert not allows(
                    get_object(ARTIFACTS, f"tenants/{other}/capsules/r.tar.gz"), policy
                )


def test_the_template_has_only_the_tenant_placeholder_and_is_json_once_rendered() -> None:
    template = tenant_template()
    assert set(re.findall(r"\$\{[^}]*\}", template)) == {"${TENANT}"}
    json.loads(template.replace("${TENANT}", "t"))


# The application's policy


@pytest.mark.parametrize(
    "request_",
    [
        put_object(PROMPTS, "incoming/a/x"),  # tests and the CLI upload
        get_object(PROMPTS, "incoming/a/x"),  # the intake sensor reads an upload
        delete_object(PROMPTS, "incoming/a/x"),  # ... and moves it aside
        put_object(PROMPTS, "launched/a/x"),  # ... to launched/ or rejected/
        put_object(PROMPTS, "rejected/x"),
        list_objects(PROMPTS, "incoming/"),
        list_objects(PROMPTS),
        put_object(ARTIFACTS, "requests/r1/code_tree.json"),
        get_object(ARTIFACTS, "requests/r1/code_tree.json"),
        put_object(ARTIFACTS, "tenants/a/capsules/r1.tar.gz"),
        get_object(ARTIFACTS, "tenants/b/capsules/r1.tar.gz"),
        put_object(ARTIFACTS, "llm-cache/0a/1b.json"),
        delete_object(ARTIFACTS, "requests/r1/code_tree.json"),
        list_objects(ARTIFACTS, "requests/"),
        Request("s3:GetBucketLocation", f"arn:aws:s3:::{ARTIFACTS}"),
    ],
    ids=lambda r: f"{r.action} {r.resource.removeprefix('arn:aws:s3:::')}",
)
def test_the_application_policy_still_allows_what_the_pipeline_needs(request_: Request) -> None:
    assert allows(request_, app_policy())


def test_the_application_policy_stays_inside_the_two_buckets() -> None:
    app = app_policy()
    assert not allows(put_object("quantumlayer-backups", "nightly/x"), app)
    assert not allows(Request("s3:CreateBucket", "arn:aws:s3:::other"), app)
    assert not allows(Request("s3:DeleteBucket", f"arn:aws:s3:::{ARTIFACTS}"), app)
    assert not allows(Request("s3:PutBucketPolicy", f"arn:aws:s3:::{ARTIFACTS}"), app)
