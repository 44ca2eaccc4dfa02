"""The sandbox Job: generated tests run in their own locked-down pod, reported exactly as the
local sandbox reports them. The Kubernetes API is the in-memory ``FakeCluster`` (no cluster
here); the Job body is checked against the Kubernetes 1.31 schema in strict mode."""

import io
import tarfile

import kubernetes_validate
import pytest

from quantumlayer_dagster.artifacts.code import ProjectTree, SourceFile
from quantumlayer_dagster.artifacts.testing import TestRun
from quantumlayer_dagster.sandbox import SandboxLimits
from quantumlayer_dagster.sandbox.k8s_job import K8sJobSandbox, pack_tree
from quantumlayer_dagster.sandbox.k8s_pod import RESULT_MARKER
from quantumlayer_dagster.sandbox.k8s_spec import (
    SANDBOX_POLICY_LABEL,
    K8sSandboxConfig,
    pod_command,
    sandbox_job,
)
from quantumlayer_dagster.testing.test_run import run_pytest
from tests.fixtures.calc_project import CALC, FAILING, PASSING
from tests.k8s.fake_cluster import FakeCluster
from tests.k8s.schema import K8S_VERSION

CONFIG = K8sSandboxConfig(
    image="ghcr.io/quantumlayer/quantumlayer-dagster:0.1.0", poll_interval_s=0.01
)
LIMITS = SandboxLimits(wall_timeout_s=60)


def project(*tests: SourceFile) -> ProjectTree:
    return ProjectTree(package="calc", sources=[CALC], tests=list(tests))


def sandbox(cluster: FakeCluster, limits: SandboxLimits = LIMITS) -> K8sJobSandbox:
    return K8sJobSandbox(CONFIG, cluster, cluster, limits)


def built_job(runtime_class: str = "") -> dict:
    config = CONFIG.model_copy(update={"runtime_class_name": runtime_class})
    command = pod_command(
        "/usr/local/bin/python",
        ["python3", "-m", "pytest"],
        "/tmp/x/work",
        {"HOME": "/tmp/x/work"},
        60,
        1024,
    )
    return sandbox_job("ql-sandbox-abc", config, command, 60)


@pytest.fixture(scope="module")
def one_run() -> tuple[FakeCluster, TestRun]:
    """One test run (a passing and a failing test) through the sandbox Job."""
    cluster = FakeCluster()
    return cluster, run_pytest(project(PASSING, FAILING), sandbox(cluster))


def test_tests_run_in_a_job_and_report_like_the_local_sandbox(
    one_run: tuple[FakeCluster, TestRun],
) -> None:
    _, run = one_run
    assert (run.passed, run.failed, run.exit_code) == (1, 1, 1)
    assert run.failures[0].name == "test_wrong_sum"
    assert run.junit_error is None
    assert run.report_warnings == []
    assert run.coverage.percent == 100.0
    assert run.isolation.startswith("k8s-job (separate pod in quantumlayer-sandbox")


def test_the_job_and_its_config_map_are_deleted_after_the_run(
    one_run: tuple[FakeCluster, TestRun],
) -> None:
    cluster, _ = one_run
    [name] = cluster.jobs
    assert sorted(cluster.deleted) == [("ConfigMap", name), ("Job", name)]


def test_the_config_map_is_owned_by_the_job_so_a_crashed_step_leaves_nothing(
    one_run: tuple[FakeCluster, TestRun],
) -> None:
    cluster, _ = one_run
    [config_map] = cluster.config_maps.values()
    [owner] = config_map["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["uid"]) == ("Job", f"uid-{config_map['metadata']['name']}")


def test_a_hanging_test_is_killed_at_the_wall_timeout() -> None:
    hang = SourceFile(
        path="tests/test_hang.py", content="def test_hang():\n    while True:\n        pass\n"
    )
    run = run_pytest(project(hang), sandbox(FakeCluster(), SandboxLimits(wall_timeout_s=2)))
    assert run.timed_out
    assert not run.ok
    assert run.killed_reason == "wall timeout after 2s: process group killed"


def test_a_job_past_its_deadline_is_a_failed_run_saying_so() -> None:
    run = run_pytest(project(PASSING), sandbox(FakeCluster(deadline_exceeded=True)))
    assert not run.ok
    assert run.passed == 0
    assert "activeDeadlineSeconds" in (run.killed_reason or "")


def test_a_forged_second_result_line_fails_the_run() -> None:
    forged = f"{RESULT_MARKER}eyJleGl0X2NvZGUiOiAwfQ==\n"
    run = run_pytest(project(PASSING), sandbox(FakeCluster(extra_log=forged)))
    assert not run.ok
    assert "forged" in (run.killed_reason or "")


def test_a_tree_too_large_for_a_config_map_is_refused_before_any_job() -> None:
    cluster = FakeCluster()
    noise = SourceFile(
        path="calc/blob.py", content="".join(f"# {i:x}{i * 7919:x}\n" for i in range(3000))
    )
    tiny = K8sJobSandbox(
        CONFIG.model_copy(update={"max_tree_bytes": 1024}), cluster, cluster, LIMITS
    )
    tree = ProjectTree(package="calc", sources=[CALC, noise], tests=[PASSING])
    run = run_pytest(tree, tiny)
    assert not run.ok
    assert "at most 1024" in (run.killed_reason or "")
    assert cluster.jobs == {}


def test_packing_skips_links_and_is_deterministic(tmp_path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "link.py").symlink_to("/etc/passwd")
    first = pack_tree(tmp_path)
    assert pack_tree(tmp_path) == first
    with tarfile.open(fileobj=io.BytesIO(first)) as tar:
        assert tar.getnames() == ["a.py"]


def test_sandbox_pod_has_no_token_no_secrets_and_the_deny_all_label() -> None:
    job = built_job()
    pod = job["spec"]["template"]["spec"]
    [container] = pod["containers"]
    key, value = SANDBOX_POLICY_LABEL
    assert job["spec"]["template"]["metadata"]["labels"][key] == value
    assert pod["automountServiceAccountToken"] is False
    assert pod["enableServiceLinks"] is False
    assert container["env"] == []
    assert "envFrom" not in container
    assert not any("secret" in volume for volume in pod["volumes"])


def test_sandbox_pod_is_non_root_read_only_without_capabilities() -> None:
    pod = built_job()["spec"]["template"]["spec"]
    [container] = pod["containers"]
    context = container["securityContext"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}


def test_sandbox_job_carries_the_limits_and_a_deadline() -> None:
    job = built_job()
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["resources"]["limits"] == {
        "cpu": "1",
        "memory": "1Gi",
        "ephemeral-storage": "1Gi",
    }
    assert job["spec"]["activeDeadlineSeconds"] == 60 + CONFIG.startup_grace_s
    assert job["spec"]["backoffLimit"] == 0


@pytest.mark.parametrize("runtime_class", ["", "runsc"])
def test_runtime_class_is_set_only_when_configured(runtime_class: str) -> None:
    pod = built_job(runtime_class)["spec"]["template"]["spec"]
    assert pod.get("runtimeClassName", "") == runtime_class


@pytest.mark.parametrize("runtime_class", ["", "runsc"])
def test_sandbox_job_is_valid_kubernetes_in_strict_mode(runtime_class: str) -> None:
    kubernetes_validate.validate(built_job(runtime_class), K8S_VERSION, strict=True)


def test_tree_config_map_is_valid_kubernetes_in_strict_mode(
    one_run: tuple[FakeCluster, TestRun],
) -> None:
    cluster, _ = one_run
    for body in [*cluster.config_maps.values(), *cluster.jobs.values()]:
        kubernetes_validate.validate(body, K8S_VERSION, strict=True)


def test_the_sandbox_job_is_chosen_by_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from quantumlayer_dagster.settings import Settings
    from resources.sandbox import SandboxResource

    monkeypatch.setenv("QL_SANDBOX", "k8s")
    monkeypatch.setenv("QL_SANDBOX_IMAGE", CONFIG.image)
    monkeypatch.setenv("QL_SANDBOX_RUNTIME_CLASS", "runsc")
    resource = SandboxResource.from_settings(Settings.from_env())
    assert resource.kind == "k8s"
    config = resource.k8s_config()
    assert (config.image, config.runtime_class_name) == (CONFIG.image, "runsc")
    assert config.namespace == "quantumlayer-sandbox"


def test_a_k8s_sandbox_without_an_image_is_one_line_with_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from quantumlayer_dagster.settings import Settings

    monkeypatch.setenv("QL_SANDBOX", "k8s")
    monkeypatch.delenv("QL_SANDBOX_IMAGE", raising=False)
    with pytest.raises(ValueError, match="QL_SANDBOX=k8s needs QL_SANDBOX_IMAGE"):
        Settings.from_env()


def test_a_traced_sandbox_job_carries_the_trace_context_of_its_sandbox_run() -> None:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from quantumlayer_dagster.observability import tracing
    from quantumlayer_dagster.observability.trace_ids import (
        TRACEPARENT_ANNOTATION,
        parse_traceparent,
    )

    exporter = InMemorySpanExporter()
    cluster = FakeCluster()
    tracing.use_exporter(exporter)
    try:
        run_pytest(project(PASSING), sandbox(cluster))
    finally:
        tracing.use_exporter(None)
    [job] = cluster.jobs.values()
    kubernetes_validate.validate(job, K8S_VERSION, strict=True)
    annotation = job["metadata"]["annotations"][TRACEPARENT_ANNOTATION]
    assert job["spec"]["template"]["metadata"]["annotations"][TRACEPARENT_ANNOTATION] == annotation
    parsed = parse_traceparent(annotation)
    [span] = [s for s in exporter.get_finished_spans() if s.name == "sandbox run"]
    assert parsed == (span.context.trace_id, span.context.span_id, True)
    assert span.attributes["quantumlayer.sandbox.isolation_mode"] == "k8s-job"


def test_an_untraced_sandbox_job_has_no_annotations() -> None:
    assert "annotations" not in built_job()["metadata"]
    assert "annotations" not in built_job()["spec"]["template"]["metadata"]
