"""The security gates block the capsule: a hard-coded key in generated code stops the run at
``no_high_severity_findings`` after the security report is stored."""

import pytest

from quantumlayer_dagster.artifacts.security import SecurityReport
from quantumlayer_dagster.artifacts.serialization import artifact_from_json
from quantumlayer_dagster.store.keys import asset_key, capsule_key
from quantumlayer_dagster.store.local_dir import LocalDirStore
from tests.fixtures import wordcount
from tests.fixtures.pipeline_run import run_wordcount

AWS_KEY = "AKIA" + "Z7QW3RTY5UIO9PLK"
LEAKY_BODY = wordcount.COUNT_WORDS_BODY.replace(
    "from collections import Counter\n",
    f'from collections import Counter\n\nAWS_ACCESS_KEY_ID = "{AWS_KEY}"\n',
)
"""count_words written with a key beside it (a helper constant the body keeps)."""


@pytest.mark.slow
@pytest.mark.sandbox
def test_hard_coded_key_fails_the_blocking_gate_and_no_capsule_is_built(
    settings, instance, register_script
):
    assert LEAKY_BODY != wordcount.COUNT_WORDS_BODY
    bodies = {**wordcount.FILE_REPLIES["code_tree"], wordcount.COUNT_WORDS: LEAKY_BODY}
    files = {**wordcount.FILE_REPLIES, "code_tree": bodies}
    register_script(files=files)
    outcome = run_wordcount(settings, instance)
    assert not outcome.success
    assert outcome.failure.startswith("gate no_high_severity_findings failed: 1 high-severity")
    assert "aws-access-key-id" in outcome.failure and AWS_KEY not in outcome.failure
    store = LocalDirStore(settings.artifacts_dir)
    stored = store.get_bytes(asset_key(outcome.request_id, "security_report"))
    report = artifact_from_json(SecurityReport, stored)
    assert [f.rule_id for f in report.findings if f.tool == "secrets"] == ["aws-access-key-id"]
    assert AWS_KEY.encode() not in stored
    assert not store.exists(capsule_key(outcome.request_id))
