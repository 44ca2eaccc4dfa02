"""The keys the Dagster chart 1.13.27 documents, for the parts deploy/values.yaml sets.

The chart's published ``values.schema.json`` cannot be fetched here (no network but package
indexes), so these are written down from the pydantic models the schema is generated from,
in dagster-io/dagster ``helm/dagster/schema/schema/charts/``: ``dagster/values.py``,
``dagster/subschema/{webserver,daemon,run_launcher,postgresql,global_,service_account,
compute_log_manager,concurrency,telemetry}.py`` and
``dagster_user_deployments/subschema/user_deployments.py``. ``ANY`` marks a value the chart
passes to Kubernetes as it is (a pod security context, resources, a label map): its own keys
are Kubernetes', checked by the schema validation of the pods built from it."""

from typing import Any

ANY: Any = None
K8S = ANY  # a Kubernetes object the chart copies into a manifest


def _keys(*names: str) -> dict[str, Any]:
    return dict.fromkeys(names, ANY)


RUN_K8S_CONFIG = _keys(
    "containerConfig", "podSpecConfig", "podTemplateSpecMetadata", "jobSpecConfig", "jobMetadata"
)

K8S_RUN_LAUNCHER = {
    **_keys(
        "image",
        "imagePullPolicy",
        "jobNamespace",
        "loadInclusterConfig",
        "kubeconfigFile",
        "envConfigMaps",
        "envSecrets",
        "envVars",
        "volumeMounts",
        "volumes",
        "labels",
        "failPodOnRunFailure",
        "resources",
        "schedulerName",
        "securityContext",
    ),
    "runK8sConfig": RUN_K8S_CONFIG,
}

QUEUED_RUN_COORDINATOR = _keys(
    "maxConcurrentRuns",
    "tagConcurrencyLimits",
    "dequeueIntervalSeconds",
    "dequeueNumWorkers",
    "dequeueUseThreads",
)

USER_DEPLOYMENT = {
    **_keys(
        "name",
        "image",
        "dagsterApiGrpcArgs",
        "codeServerArgs",
        "port",
        "env",
        "envConfigMaps",
        "envSecrets",
        "annotations",
        "nodeSelector",
        "affinity",
        "tolerations",
        "podSecurityContext",
        "securityContext",
        "resources",
        "livenessProbe",
        "readinessProbe",
        "startupProbe",
        "labels",
        "volumeMounts",
        "volumes",
        "schedulerName",
    ),
    "includeConfigInLaunchedRuns": _keys("enabled"),
}

WEBSERVER = _keys(
    "replicaCount",
    "image",
    "nameOverride",
    "pathPrefix",
    "service",
    "workspace",
    "env",
    "envConfigMaps",
    "envSecrets",
    "deploymentLabels",
    "labels",
    "nodeSelector",
    "affinity",
    "tolerations",
    "podSecurityContext",
    "securityContext",
    "resources",
    "readinessProbe",
    "livenessProbe",
    "startupProbe",
    "annotations",
    "enableReadOnly",
    "dbStatementTimeout",
    "dbPoolRecycle",
    "logLevel",
    "schedulerName",
    "volumeMounts",
    "volumes",
)

DAEMON = {
    **_keys(
        "enabled",
        "image",
        "heartbeatTolerance",
        "env",
        "envConfigMaps",
        "envSecrets",
        "deploymentLabels",
        "labels",
        "nodeSelector",
        "affinity",
        "tolerations",
        "podSecurityContext",
        "securityContext",
        "resources",
        "livenessProbe",
        "readinessProbe",
        "startupProbe",
        "annotations",
        "runMonitoring",
        "runRetries",
        "sensors",
        "schedules",
        "schedulerName",
        "volumeMounts",
        "volumes",
    ),
    "runCoordinator": {
        "enabled": ANY,
        "type": ANY,
        "config": {"queuedRunCoordinator": QUEUED_RUN_COORDINATOR, "customRunCoordinator": ANY},
    },
}

CHART_KEYS: dict[str, Any] = {
    "dagsterWebserver": WEBSERVER,
    "dagster-user-deployments": {
        "enabled": ANY,
        "enableSubchart": ANY,
        "imagePullSecrets": ANY,
        "deployments": [USER_DEPLOYMENT],
    },
    "postgresql": {
        **_keys(
            "image",
            "enabled",
            "postgresqlHost",
            "postgresqlUsername",
            "postgresqlPassword",
            "postgresqlDatabase",
            "postgresqlParams",
            "postgresqlScheme",
        ),
        "service": _keys("port"),
    },
    "generatePostgresqlPasswordSecret": ANY,
    "generateCeleryConfigSecret": ANY,
    "rabbitmq": ANY,
    "redis": ANY,
    "flower": ANY,
    "ingress": ANY,
    "imagePullSecrets": ANY,
    "computeLogManager": {"type": ANY, "config": ANY},
    "scheduler": ANY,
    "runLauncher": {
        "type": ANY,
        "config": {
            "k8sRunLauncher": K8S_RUN_LAUNCHER,
            "celeryK8sRunLauncher": ANY,
            "customRunLauncher": ANY,
        },
    },
    "pythonLogs": ANY,
    "dagsterDaemon": DAEMON,
    "busybox": ANY,
    "migrate": ANY,
    "telemetry": _keys("enabled"),
    "serviceAccount": _keys("create", "name", "annotations"),
    "global": _keys(
        "postgresqlSecretName",
        "dagsterHome",
        "serviceAccountName",
        "celeryConfigSecretName",
        "dagsterInstanceConfigMap",
    ),
    "retention": ANY,
    "additionalInstanceConfig": ANY,
    "concurrency": {
        "enabled": ANY,
        "pools": _keys("defaultLimit", "granularity", "opGranularityRunBuffer"),
        "runs": _keys("maxConcurrentRuns", "tagConcurrencyLimits"),
    },
}

ENUMS = {
    ("runLauncher", "type"): {"CeleryK8sRunLauncher", "K8sRunLauncher", "CustomRunLauncher"},
    ("computeLogManager", "type"): {
        "NoOpComputeLogManager",
        "AzureBlobComputeLogManager",
        "GCSComputeLogManager",
        "S3ComputeLogManager",
        "CustomComputeLogManager",
    },
    ("dagsterDaemon", "runCoordinator", "type"): {"QueuedRunCoordinator", "CustomRunCoordinator"},
}


def unknown_keys(values: Any, schema: Any = CHART_KEYS, path: str = "") -> list[str]:
    """Every key path in ``values`` the chart does not document."""
    if schema is ANY:
        return []
    if isinstance(schema, list):
        return [
            p
            for i, item in enumerate(values)
            for p in unknown_keys(item, schema[0], f"{path}[{i}]")
        ]
    found: list[str] = []
    for key, value in values.items():
        where = f"{path}.{key}" if path else key
        if key not in schema:
            found.append(where)
        else:
            found += unknown_keys(value, schema[key], where)
    return found
