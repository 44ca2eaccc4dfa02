"""An in-memory stand-in for the Kubernetes batch and core APIs (no cluster can run here).

It is the one test double of the sandbox Job flow: it keeps the objects it is sent, and when
the Job's status is first read it "runs the pod" by executing the container's command on this
machine, with the ConfigMap's tree where the pod would mount it, and keeps the output as the
pod log. Everything the step does around it (spec, packing, the pod entry, log parsing, report
hand-back, deletion) is the real code."""

import base64
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from quantumlayer_dagster.sandbox import k8s_spec

# The "image": this checkout's packages, as the real image has them installed.
IMAGE_PYTHONPATH = str(Path(k8s_spec.__file__).resolve().parents[2])


class FakeCluster:
    def __init__(self, *, deadline_exceeded: bool = False, extra_log: str = "") -> None:
        self.jobs: dict[str, dict] = {}
        self.config_maps: dict[str, dict] = {}
        self.deleted: list[tuple[str, str]] = []
        self.logs: dict[str, str] = {}
        self.status: dict[str, SimpleNamespace] = {}
        self.deadline_exceeded = deadline_exceeded
        self.extra_log = extra_log

    # BatchV1Api
    def create_namespaced_job(self, namespace: str, body: dict) -> Any:
        name = body["metadata"]["name"]
        self.jobs[name] = body
        return SimpleNamespace(metadata=SimpleNamespace(name=name, uid=f"uid-{name}"))

    def read_namespaced_job_status(self, name: str, namespace: str) -> Any:
        if name not in self.status:
            self.status[name] = self._run_pod(name)
        return SimpleNamespace(status=self.status[name])

    def delete_namespaced_job(self, name: str, namespace: str, **_: Any) -> None:
        self.deleted.append(("Job", name))

    # CoreV1Api
    def create_namespaced_config_map(self, namespace: str, body: dict) -> None:
        self.config_maps[body["metadata"]["name"]] = body

    def delete_namespaced_config_map(self, name: str, namespace: str, **_: Any) -> None:
        self.deleted.append(("ConfigMap", name))

    def list_namespaced_pod(self, namespace: str, label_selector: str) -> Any:
        job = label_selector.removeprefix("job-name=")
        pods = [SimpleNamespace(metadata=SimpleNamespace(name=f"{job}-pod"))]
        return SimpleNamespace(items=pods if job in self.logs else [])

    def read_namespaced_pod_log(self, name: str, namespace: str, container: str) -> str:
        return self.logs[name.removesuffix("-pod")]

    def _run_pod(self, name: str) -> SimpleNamespace:
        if self.deadline_exceeded:
            self.logs[name] = "collected 1 item\n"
            failed = SimpleNamespace(type="Failed", reason="DeadlineExceeded")
            return SimpleNamespace(succeeded=None, failed=1, conditions=[failed])
        job = self.jobs[name]
        pod = job["spec"]["template"]["spec"]
        [container] = pod["containers"]
        tree = base64.b64decode(self.config_maps[name]["binaryData"][k8s_spec.TREE_KEY])
        workdir = Path(container["command"][container["command"].index("--workdir") + 1])
        with tempfile.TemporaryDirectory() as mount:
            archive = Path(mount) / k8s_spec.TREE_KEY
            archive.write_bytes(tree)
            argv = [
                str(archive) if a.startswith(k8s_spec.HANDOVER_DIR) else a
                for a in container["command"]
            ]
            # The pod has its own file system: hide the step's copy of the work folder while
            # the "pod" runs, and throw the pod's away afterwards.
            step_copy = Path(mount) / "step-workdir"
            workdir.rename(step_copy)
            try:
                done = subprocess.run(
                    argv,
                    capture_output=True,
                    text=True,
                    env={"PATH": "/usr/bin:/bin", "PYTHONPATH": IMAGE_PYTHONPATH},
                    timeout=job["spec"]["activeDeadlineSeconds"],
                    check=False,
                )
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
                step_copy.rename(workdir)
        self.logs[name] = self.extra_log + done.stderr + done.stdout
        ok = done.returncode == 0
        return SimpleNamespace(succeeded=1 if ok else None, failed=None if ok else 1, conditions=[])
