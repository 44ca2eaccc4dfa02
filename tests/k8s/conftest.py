"""A kubeconfig for a cluster that does not exist: dagster-k8s loads one before it builds
anything, and the batch API it would call is a MagicMock in these tests."""

from pathlib import Path

import pytest

FAKE_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
  - name: fake
    cluster:
      server: https://127.0.0.1:6443
contexts:
  - name: fake
    context:
      cluster: fake
      user: fake
      namespace: quantumlayer
current-context: fake
users:
  - name: fake
    user:
      token: not-a-token
"""


@pytest.fixture
def kubeconfig_file(tmp_path: Path) -> str:
    path = tmp_path / "kubeconfig"
    path.write_text(FAKE_KUBECONFIG)
    return str(path)
