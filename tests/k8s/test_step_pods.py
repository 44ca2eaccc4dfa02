"""The run pod and every step pod of ``generate_project``, built by dagster-k8s itself.

As dagster-k8s's own unit tests do: its ``K8sRunLauncher`` and its executor's
``K8sStepHandler`` get a ``MagicMock`` batch API (the one double: no cluster here) and a
kubeconfig for a cluster that does not exist, and we read the ``V1Job`` body they would have
sent. The launcher's config and the code location's container context are what the Dagster
chart makes of deploy/values.yaml (tests/k8s/chart.py). Every body is also validated against
the Kubernetes 1.31 schema in strict mode: dagster-k8s coerces some wrong values silently."""

from pathlib import Path
from typing import Any
from unittest import mock

import kubernetes
import kubernetes_validate
import pytest
from dagster._core.definitions.reconstruct import ReconstructableJob, ReconstructableRepository
from dagster._core.execution.api import create_execution_plan
from dagster._core.execution.context.system import PlanData, PlanOrchestrationContext
from dagster._core.execution.context_creation_job import create_context_free_log_manager
from dagster._core.execution.retries import RetryMode
from dagster._core.executor.init import InitExecutorContext
from dagster._core.executor.step_delegating.step_handler.base import StepHandlerContext
from dagster._core.launcher import LaunchRunContext
from dagster._core.system_config.objects import ResolvedRunConfig
from dagster._core.test_utils import create_run_for_test, instance_for_test
from dagster._grpc.types import ExecuteStepArgs
from dagster_k8s.container_context import K8sContainerContext
from dagster_k8s.executor import K8sStepHandler, k8s_job_executor
from dagster_k8s.launcher import K8sRunLauncher

from assets import ALL_ASSETS
from assets.step_pods import API_STEPS, LLM_STEPS, MEMORY_STEPS, RUN_POD, STEP_PODS
from quantumlayer_dagster.definitions import build_definitions
from quantumlayer_dagster.settings import Settings
from tests.k8s import chart
from tests.k8s.conftest import FAKE_KUBECONFIG
from tests.k8s.schema import K8S_VERSION

STEPS = [a.key.to_user_string() for a in ALL_ASSETS]
SECRETS = {"quantumlayer-llm-keys", "quantumlayer-s3-keys", "quantumlayer-qdrant-key"}


def _origin():  # type: ignore[no-untyped-def]
    repo = ReconstructableRepository.for_module(
        "quantumlayer_dagster.definitions", "defs", working_directory=str(chart.ROOT)
    )
    recon = ReconstructableJob(repo, "generate_project")
    vals = chart.values()
    origin = recon.get_python_origin()
    repository_origin = origin.repository_origin._replace(
        container_context=chart.code_location_container_context(vals),
        container_image=chart.image(vals),
    )
    return recon, origin._replace(repository_origin=repository_origin)


def _k8s_executor_config(home: Path) -> dict[str, Any]:
    """The executor config a run of the Definitions gets under ``QL_EXECUTOR=k8s``."""
    settings = Settings(home=home, llm_config=home / "llm.yaml", executor="k8s")
    job = build_definitions(settings).resolve_job_def("generate_project")
    return ResolvedRunConfig.build(job, {}).execution.execution_engine_config


def _to_dict(job: Any) -> dict[str, Any]:
    return kubernetes.client.ApiClient().sanitize_for_serialization(job)


@pytest.fixture(scope="module")
def kubeconfig(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("kube") / "kubeconfig"
    path.write_text(FAKE_KUBECONFIG)
    return str(path)


@pytest.fixture(scope="module")
def run_pod(kubeconfig: str) -> dict[str, Any]:
    launcher_config = chart.run_launcher_config(chart.values(), kubeconfig)
    batch = mock.MagicMock()
    launcher = K8sRunLauncher(**launcher_config, k8s_client_batch_api=batch)
    _, origin = _origin()
    with instance_for_test() as instance:
        launcher.register_instance(instance)
        run = create_run_for_test(instance, job_name="generate_project", job_code_origin=origin)
        launcher.launch_run(LaunchRunContext(dagster_run=run, workspace=None))
    [call] = [c for c in batch.method_calls if c[0] == "create_namespaced_job"]
    return {"namespace": call.kwargs["namespace"], "job": _to_dict(call.kwargs["body"])}


@pytest.fixture(scope="module")
def step_pods(
    kubeconfig: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """step key -> {"namespace", "job"} for every step of generate_project."""
    config = chart.run_launcher_config(chart.values(), kubeconfig)
    overrides = {
        "run_launcher": {"module": "dagster_k8s", "class": "K8sRunLauncher", "config": config}
    }
    recon, origin = _origin()
    built: dict[str, dict[str, Any]] = {}
    with instance_for_test(overrides=overrides) as instance:
        run = create_run_for_test(instance, job_name="generate_project", job_code_origin=origin)
        executor_config = _k8s_executor_config(tmp_path_factory.mktemp("home"))
        executor = k8s_job_executor.executor_creation_fn(  # type: ignore[misc]
            InitExecutorContext(
                job=recon,
                executor_def=k8s_job_executor,
                executor_config=executor_config,
                instance=instance,
            )
        )
        plan = create_execution_plan(recon)
        plan_context = PlanOrchestrationContext(
            plan_data=PlanData(
                job=recon,
                dagster_run=run,
                instance=instance,
                execution_plan=plan,
                raise_on_error=True,
                retry_mode=RetryMode.DISABLED,
            ),
            log_manager=create_context_free_log_manager(instance, run),
            executor=executor,
            output_capture=None,
        )
        for step in plan.steps:
            batch = mock.MagicMock()
            handler = K8sStepHandler(
                image=None,
                container_context=K8sContainerContext(),
                per_step_k8s_config=executor_config["per_step_k8s_config"],
                load_incluster_config=False,
                kubeconfig_file=kubeconfig,
                k8s_client_batch_api=batch,
            )
            context = StepHandlerContext(
                instance=instance,
                plan_context=plan_context,
                steps=plan.steps,
                execute_step_args=ExecuteStepArgs(origin, run.run_id, [step.key]),
            )
            list(handler.launch_step(context))
            [call] = [c for c in batch.method_calls if c[0] == "create_namespaced_job"]
            built[step.key] = {
                "namespace": call.kwargs["namespace"],
                "job": _to_dict(call.kwargs["body"]),
            }
    return built


def _pod(job: dict[str, Any]) -> dict[str, Any]:
    return job["spec"]["template"]["spec"]


def _container(job: dict[str, Any]) -> dict[str, Any]:
    [container] = _pod(job)["containers"]
    return container


def _assert_locked_down(job: dict[str, Any]) -> None:
    pod, container = _pod(job), _container(job)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    [scratch] = [v for v in pod["volumes"] if v["name"] == "scratch"]
    assert "emptyDir" in scratch
    assert {"name": "scratch", "mountPath": "/tmp"} in container["volumeMounts"]
    names = [v["name"] for v in pod["volumes"]]
    assert len(names) == len(set(names)), names


def test_every_asset_of_the_job_gets_a_step_pod(step_pods: dict[str, dict[str, Any]]) -> None:
    assert sorted(step_pods) == sorted(STEPS)


def test_run_pod_image_namespace_and_secrets(run_pod: dict[str, Any]) -> None:
    job, container = run_pod["job"], _container(run_pod["job"])
    assert run_pod["namespace"] == "quantumlayer"
    assert container["image"] == "ghcr.io/quantumlayer/quantumlayer-dagster:0.1.0"
    secrets = {e["secretRef"]["name"] for e in container["envFrom"] if "secretRef" in e}
    assert secrets == SECRETS
    assert _pod(job)["serviceAccountName"] == "quantumlayer-runs"
    assert _pod(job)["automountServiceAccountToken"] is True


def test_run_pod_is_locked_down_and_small(run_pod: dict[str, Any]) -> None:
    job = run_pod["job"]
    _assert_locked_down(job)
    resources = _container(job)["resources"]
    assert resources["requests"] == {"cpu": RUN_POD.cpu, "memory": RUN_POD.memory}
    labels = job["spec"]["template"]["metadata"]["labels"]
    assert labels["quantumlayer.dev/role"] == "run"
    assert labels["quantumlayer.dev/k8s-api-client"] == "true"
    assert labels["quantumlayer.dev/llm-client"] == "false"


@pytest.mark.parametrize("step", STEPS)
def test_step_pod_image_namespace_secrets_and_resources(
    step_pods: dict[str, dict[str, Any]], step: str
) -> None:
    built = step_pods[step]
    container = _container(built["job"])
    assert built["namespace"] == "quantumlayer"
    assert container["image"] == "ghcr.io/quantumlayer/quantumlayer-dagster:0.1.0"
    secrets = {e["secretRef"]["name"] for e in container["envFrom"] if "secretRef" in e}
    assert secrets == SECRETS
    size = STEP_PODS[step]
    assert container["resources"]["requests"] == {"cpu": size.cpu, "memory": size.memory}
    assert container["resources"]["limits"]["memory"].endswith("Mi")


@pytest.mark.parametrize("step", STEPS)
def test_step_pod_is_locked_down(step_pods: dict[str, dict[str, Any]], step: str) -> None:
    _assert_locked_down(step_pods[step]["job"])


@pytest.mark.parametrize("step", STEPS)
def test_only_the_test_step_gets_an_api_token(
    step_pods: dict[str, dict[str, Any]], step: str
) -> None:
    pod = _pod(step_pods[step]["job"])
    needs_api = step in API_STEPS
    assert pod["automountServiceAccountToken"] is needs_api
    account = "quantumlayer-sandbox-launcher" if needs_api else "quantumlayer-steps"
    assert pod["serviceAccountName"] == account


@pytest.mark.parametrize("step", STEPS)
def test_step_pod_labels_say_what_it_may_reach(
    step_pods: dict[str, dict[str, Any]], step: str
) -> None:
    labels = step_pods[step]["job"]["spec"]["template"]["metadata"]["labels"]
    assert labels["dagster/op"] == step
    assert labels["quantumlayer.dev/role"] == "step"
    assert labels["quantumlayer.dev/llm-client"] == str(step in LLM_STEPS).lower()
    assert labels["quantumlayer.dev/qdrant-client"] == str(step in MEMORY_STEPS).lower()
    assert labels["quantumlayer.dev/k8s-api-client"] == str(step in API_STEPS).lower()


def test_run_pod_is_valid_kubernetes_in_strict_mode(run_pod: dict[str, Any]) -> None:
    kubernetes_validate.validate(run_pod["job"], K8S_VERSION, strict=True)


@pytest.mark.parametrize("step", STEPS)
def test_step_pod_is_valid_kubernetes_in_strict_mode(
    step_pods: dict[str, dict[str, Any]], step: str
) -> None:
    kubernetes_validate.validate(step_pods[step]["job"], K8S_VERSION, strict=True)


def test_k8s_executor_is_chosen_by_the_setting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from quantumlayer_dagster.definitions import build_definitions
    from quantumlayer_dagster.settings import Settings

    for kind, name in (
        ("in_process", "in_process"),
        ("multiprocess", "multiprocess"),
        ("k8s", "k8s"),
    ):
        settings = Settings(home=tmp_path, llm_config=tmp_path / "llm.yaml", executor=kind)
        job = build_definitions(settings).resolve_job_def("generate_project")
        assert job.executor_def.name == name
