"""Intake never stalls: upload names a store accepts but a local path check does not are
launched under a safe derived key or rejected with a reason, and the uploads after them in
the same tick still go through; a tenant folder (``incoming/<tenant>/``) that is not a tenant
name (a path trick, empty, unicode, overlong, uppercase, deeper) is rejected with the reason.
Run against both stores (a local folder; moto's S3 server)."""

from pathlib import Path

from assets.sensors import UPLOAD_TAG
from quantumlayer_cli.submit_command import upload_key
from quantumlayer_dagster.artifacts.paths import check_relative_path
from quantumlayer_dagster.artifacts.request import PromptSubmission
from quantumlayer_dagster.artifacts.serialization import artifact_from_json
from quantumlayer_dagster.intake.uploads import REASON_SUFFIX, upload_tenant
from quantumlayer_dagster.store.keys import submission_key
from quantumlayer_dagster.tenants import TENANT_TAG
from resources.artifact_store import ArtifactStoreResource
from tests.fixtures.upload_stores import sensor_tick as tick
from tests.fixtures.upload_stores import upload_raw

PROMPT = b"Build a command-line tool that counts the words in a text file.\n"

# Names every store can hold; each must be launched or rejected, never stop the tick.
HOSTILE_NAMES = [
    "my prompt (v2).txt",
    "Zähle Wörter.txt",
    "日本語のプロンプト.txt",
    "emoji 🎉.txt",
    "-rf.txt",
    "--help",
    "-",
    ".hidden.txt",
    "..txt",
    "trailing space .txt",
    "trailing.dot.",
    "x" * 200 + ".txt",
    "$(touch pwned).txt",
    "`id`.txt",
    "semi;colon|pipe&.txt",
    "quote'double\".txt",
    "back\\slash.txt",
    "percent%2e%2e%2f.txt",
    "colon:name.txt",
    "C:evil.txt",
    "CON",
    "nested/dir/prompt.txt",
    "nested/-dash/x.txt",
    "a.b.c.d.txt",
    "\uff21\uff42\uff43 fullwidth.txt",
    "zero\u200bwidth.txt",
    "rtl\u202eoverride.txt",
    "combining e\u0301.txt",
]
# Names only S3 can hold (a POSIX folder cannot): very long, or odd segments. (A newline
# is legal in an S3 key, but moto's server cannot store one.)
S3_ONLY_NAMES = [
    "y" * 900 + ".txt",
    "a//double-slash.txt",
    "tab\there.txt",
    "z" * 1100,
]


def names_for(stores: ArtifactStoreResource) -> list[str]:
    return HOSTILE_NAMES + (S3_ONLY_NAMES if stores.kind == "minio" else [])


def test_hostile_upload_names_never_stop_the_sensor_and_later_uploads_launch(
    upload_stores: ArtifactStoreResource,
) -> None:
    stores = upload_stores
    names = names_for(stores)
    for i, name in enumerate(names):
        upload_raw(stores, name, PROMPT + f"Variant {i}.\n".encode())
    upload_raw(stores, "zzz-plain-last.txt", PROMPT)  # sorted after every hostile name
    first = tick(stores, None)
    launched = {r.tags[UPLOAD_TAG] for r in first.run_requests or []}
    inbox = stores.prompts()
    rejected = inbox.list_keys("rejected/")
    assert "incoming/zzz-plain-last.txt" in launched
    # Each hostile upload was launched, or moved aside with a reason beside it.
    reasons = [k for k in rejected if k.endswith(REASON_SUFFIX)]
    assert len(launched) + len(reasons) == len(names) + 1, (launched, rejected)

    second = tick(stores, first.cursor)
    assert not second.run_requests
    assert inbox.list_keys("incoming/") == []
    # Everything moved out sits under one plain, path-checked key segment per name.
    for key in inbox.list_keys(""):
        check_relative_path(key)
    moved = [k for k in inbox.list_keys("launched/")]
    assert len(moved) == len(launched)
    assert {k.split("/")[1] for k in moved} == {r.partition_key for r in first.run_requests or []}


def test_an_upload_named_with_a_leading_dash_is_moved_to_launched_on_the_next_tick(
    upload_stores: ArtifactStoreResource,
) -> None:
    stores = upload_stores
    # Used to raise in the store's path check on every later tick: the sensor stalled.
    upload_raw(stores, "-rf.txt", PROMPT)
    first = tick(stores, None)
    [run] = first.run_requests or []
    tick(stores, first.cursor)
    assert stores.prompts().list_keys("") == [f"launched/{run.partition_key}/rf.txt"]


def test_an_upload_that_cannot_be_moved_aside_is_skipped_not_retried_every_tick(
    tmp_path: Path,
) -> None:
    stores = ArtifactStoreResource(
        root=str(tmp_path / "artifacts"), prompts_root=str(tmp_path / "prompts")
    )
    upload_raw(stores, "bad\x07name.txt", PROMPT)  # rejected for its control character
    upload_raw(stores, "ok.txt", PROMPT)
    rejected_dir = Path(stores.prompts_root) / "rejected"
    rejected_dir.parent.mkdir(parents=True, exist_ok=True)
    rejected_dir.write_text("a file where the rejected/ folder should be")
    first = tick(stores, None)
    assert [r.tags[UPLOAD_TAG] for r in first.run_requests or []] == ["incoming/ok.txt"]
    later = tick(stores, first.cursor)
    assert not later.run_requests
    assert "bad\x07name.txt" in later.cursor or "bad\\u0007name.txt" in (later.cursor or "")


# Tenant folders: each must be rejected with a reason naming the tenant rule (or the depth),
# never launched into some tenant's scope, never stopping the tick.
HOSTILE_TENANT_FOLDERS = [
    "ACME/upper.txt",  # uppercase
    "\u00e1cme/unicode.txt",  # not ASCII
    "\u65e5\u672c/cjk.txt",
    "\uff41cme/fullwidth.txt",  # fullwidth a: looks like acme
    "acme\u200b/zero-width.txt",
    "t" * 64 + "/overlong.txt",  # over 63 characters
    "-acme/dash.txt",
    ".acme/dot.txt",
    "_acme/underscore.txt",
    "acme corp/space.txt",
    "acme;rm -rf/shell.txt",
    "%2e%2e/encoded-traversal.txt",
    "acme/deeper/nested.txt",  # more than one folder
]
# Only S3 holds these keys: an empty tenant segment, and literal "." / ".." segments. The
# MinIO SDK our store uses refuses to name a key with "." or ".." segments at all (read,
# copy or delete), so those cannot be moved to rejected/: their reason is written there, they
# are skipped, remembered in the cursor, never launched, and the tick goes on (another client
# has to remove them).
S3_ONLY_TENANT_FOLDERS = ["/empty-tenant.txt", "acme//double-slash.txt"]
S3_DOT_SEGMENT_KEYS = ["../escape.txt", "acme/../globex/steal.txt", "./dot-segment.txt"]


def test_an_upload_in_a_tenant_folder_is_that_tenants_request(
    upload_stores: ArtifactStoreResource,
) -> None:
    stores = upload_stores
    upload_raw(stores, "acme/prompt.txt", PROMPT)
    upload_raw(stores, "prompt.txt", PROMPT)
    first = tick(stores, None)
    tenants = {r.tags[UPLOAD_TAG]: r.tags[TENANT_TAG] for r in first.run_requests or []}
    assert tenants == {"incoming/acme/prompt.txt": "acme", "incoming/prompt.txt": "shared"}
    artifacts = stores.store()
    for run in first.run_requests or []:
        submission = artifact_from_json(
            PromptSubmission, artifacts.get_bytes(submission_key(str(run.partition_key)))
        )
        assert submission.options.tenant == run.tags[TENANT_TAG]
    tick(stores, first.cursor)
    assert stores.prompts().list_keys("incoming/") == []


def test_hostile_tenant_folders_are_rejected_with_the_reason_and_later_uploads_launch(
    upload_stores: ArtifactStoreResource,
) -> None:
    stores = upload_stores
    names = HOSTILE_TENANT_FOLDERS + (S3_ONLY_TENANT_FOLDERS if stores.kind == "minio" else [])
    unmovable = S3_DOT_SEGMENT_KEYS if stores.kind == "minio" else []
    for i, name in enumerate(names + unmovable):
        upload_raw(stores, name, PROMPT + f"Variant {i}.\n".encode())
    upload_raw(stores, "zzz/plain-last.txt", PROMPT)
    first = tick(stores, None)
    assert [(r.tags[UPLOAD_TAG], r.tags[TENANT_TAG]) for r in first.run_requests or []] == [
        ("incoming/zzz/plain-last.txt", "zzz")
    ]
    for name in unmovable:
        assert f"incoming/{name}" in (first.cursor or "")  # skipped from now on
    inbox = stores.prompts()
    reasons = [
        inbox.get_bytes(k).decode()
        for k in inbox.list_keys("rejected/")
        if k.endswith(REASON_SUFFIX)
    ]
    # The unmovable ones get their reason too (it is written before the move is tried).
    assert len(reasons) == len(names) + len(unmovable), inbox.list_keys("")
    for reason in reasons:
        line = next(x for x in reason.splitlines() if x.startswith("reason:"))
        assert "tenant" in line or "not deeper" in line or "'..'" in line, line
    second = tick(stores, first.cursor)
    assert not second.run_requests
    assert inbox.list_keys("incoming/") == sorted(f"incoming/{n}" for n in unmovable)
    for key in inbox.list_keys("rejected/") + inbox.list_keys("launched/"):
        check_relative_path(key)


def test_one_tenants_burst_does_not_hold_another_tenants_uploads_for_later_ticks(
    upload_stores: ArtifactStoreResource,
) -> None:
    stores = upload_stores
    for i in range(10):
        upload_raw(stores, f"acme/{i:02d}.txt", PROMPT + f"Variant {i}.\n".encode())
    upload_raw(stores, "zeta/a.txt", PROMPT)
    upload_raw(stores, "zeta/b.txt", PROMPT)
    first = tick(stores, None, batch=4)
    taken = [r.tags[UPLOAD_TAG] for r in first.run_requests or []]
    # Tenants in turn, each in key order: both of zeta's in the first tick of four.
    assert taken == [
        "incoming/acme/00.txt",
        "incoming/zeta/a.txt",
        "incoming/acme/01.txt",
        "incoming/zeta/b.txt",
    ]


def test_submit_with_a_tenant_uploads_into_its_folder(tmp_path: Path) -> None:
    key = upload_key(tmp_path / "prompt.txt", tenant="acme")
    assert key.startswith("incoming/acme/") and key.count("/") == 2
    assert upload_tenant(key.removeprefix("incoming/"))[0] == "acme"
