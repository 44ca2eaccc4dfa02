"""The prompt-upload sensor: a file put under ``incoming/`` in the prompts bucket (or the
local prompts folder) becomes a request partition and a run of the whole graph. The logic,
and why each upload is launched exactly once, is in ``quantumlayer_dagster/intake/uploads.py``."""

import dagster as dg

from assets.jobs import generate_project
from assets.partitions import requests_partitions
from quantumlayer_dagster.audit.log import AuditUnavailable
from quantumlayer_dagster.intake.uploads import INCOMING, UploadScan, scan_uploads
from quantumlayer_dagster.store.artifact_store import ArtifactStoreUnavailable
from quantumlayer_dagster.tenants import TENANT_TAG
from resources.artifact_store import ArtifactStoreResource
from resources.audit_log import instance_audit_log

UPLOAD_TAG = "quantumlayer/upload"


def build_prompt_upload_sensor(batch: int = 50, interval_s: int = 10) -> dg.SensorDefinition:
    """The sensor, taking at most ``batch`` new uploads per tick, every ``interval_s``."""

    @dg.sensor(
        name="prompt_uploads",
        job=generate_project,
        minimum_interval_seconds=interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            f"Launches one run per prompt file uploaded under {INCOMING}; invalid uploads "
            "go to rejected/ with a .reason.txt beside them."
        ),
    )
    def prompt_uploads(
        context: dg.SensorEvaluationContext, artifact_store: ArtifactStoreResource
    ) -> dg.SensorResult | dg.SkipReason:
        try:
            scan = scan_uploads(
                artifact_store.prompts(),
                artifact_store.store(),
                context.cursor,
                batch,
                audit=instance_audit_log(context.instance),
            )
        except ArtifactStoreUnavailable as exc:
            # No new cursor: the same uploads are looked at again once the store is back.
            return dg.SkipReason(f"artifact store unreachable, nothing taken: {exc}")
        except AuditUnavailable as exc:
            # Nothing launches unrecorded; records already made are not repeated (event keys).
            return dg.SkipReason(f"nothing taken: {exc}")
        _log(context, scan)
        if not scan.launches:
            return dg.SensorResult(skip_reason=_summary(scan), cursor=scan.cursor)
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=launch.run_key,
                    partition_key=launch.request_id,
                    tags={UPLOAD_TAG: launch.upload_key, TENANT_TAG: launch.tenant},
                )
                for launch in scan.launches
            ],
            dynamic_partitions_requests=[
                requests_partitions.build_add_request([x.request_id for x in scan.launches])
            ],
            cursor=scan.cursor,
        )

    return prompt_uploads


def _summary(scan: UploadScan) -> str:
    parts = [f"{len(scan.launches)} launched", f"{len(scan.rejections)} rejected"]
    if scan.waiting:
        parts.append(f"{scan.waiting} waiting for the next tick")
    if scan.changed:
        parts.append(f"{len(scan.changed)} replaced while read, taken next tick")
    if scan.stuck:
        parts.append(f"{len(scan.stuck)} could not be moved aside (see the tick log)")
    if not scan.launches and not scan.rejections and not scan.stuck and not scan.changed:
        return f"no new uploads under {INCOMING}"
    return ", ".join(parts)


def _log(context: dg.SensorEvaluationContext, scan: UploadScan) -> None:
    for rejection in scan.rejections:
        context.log.warning(f"rejected {rejection.upload_key!r}: {rejection.reason}")
    for stuck in scan.stuck:
        context.log.error(
            f"upload {stuck.upload_key!r} could be neither launched nor moved aside, left in "
            f"place and skipped until it changes: {stuck.reason}"
        )
    for key in scan.changed:
        context.log.info(f"{key!r} was replaced while being read; taken on the next tick")
    for launch in scan.launches:
        context.log.info(f"{launch.upload_key} -> request {launch.request_id}")
    if scan.waiting:
        context.log.info(f"{scan.waiting} uploads wait for the next tick")
