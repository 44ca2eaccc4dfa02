"""The Kubernetes version every manifest and built spec is validated against (strict mode of
``kubernetes-validate``, whose bundled OpenAPI schemas need no network)."""

K8S_VERSION = "1.31.0"
