"""Advisory sources: pip-audit's vulnerability service over the OSV snapshot on disk, and
osv.dev first with the snapshot as fallback."""

from pathlib import Path

import pytest
from packaging.version import Version
from pip_audit._service.interface import ResolvedDependency, SkippedDependency

from quantumlayer_dagster.supply_chain.advisories import (
    AdvisoryDirectoryError,
    LocalOsvService,
    OnlineFirstService,
    advisory_service,
    affects,
    default_advisory_db,
)
from tests.fixtures.advisories import SNAPSHOT, needs_snapshot
from tests.fixtures.network import refused_url


def ids(service, name, version):
    _, results = service.query(ResolvedDependency(name, Version(version)))
    return {r.id: [str(v) for v in r.fix_versions] for r in results}


def test_default_directory_is_the_snapshot_next_to_the_checkout():
    beside = Path(__file__).resolve().parents[3] / "shared" / "advisory-db"
    assert default_advisory_db(None) == (beside if beside.is_dir() else None)
    assert default_advisory_db("/elsewhere") == Path("/elsewhere")


def test_old_requests_pin_has_the_redirect_auth_leak_and_its_fix(advisory_snapshot):
    found = ids(advisory_snapshot, "requests", "2.19.0")
    assert found["PYSEC-2018-28"] == ["2.20.0"]  # CVE-2018-18074
    assert found["PYSEC-2023-74"] == ["2.31.0"]


def test_fixed_version_is_no_longer_affected(advisory_snapshot):
    assert "PYSEC-2018-28" not in ids(advisory_snapshot, "requests", "2.20.0")
    assert ids(advisory_snapshot, "requests", "2.32.3") == {}


def test_names_are_matched_after_pep_503_normalisation(advisory_snapshot):
    assert "PYSEC-2019-217" in ids(advisory_snapshot, "Jinja2", "2.10")
    assert ids(advisory_snapshot, "PyYAML", "5.3")["PYSEC-2021-142"] == ["5.4"]
    assert ids(advisory_snapshot, "pyyaml", "5.4") == {}


def test_aliases_carry_the_cve_and_ghsa_ids(advisory_snapshot):
    _, results = advisory_snapshot.query(ResolvedDependency("requests", Version("2.19.0")))
    result = next(r for r in results if r.id == "PYSEC-2018-28")
    assert result.aliases == {"CVE-2018-18074", "GHSA-x84v-xcm2-53pg"}
    assert "Authorization header" in result.description


def test_unknown_package_and_skipped_dependency_have_no_advisories(advisory_snapshot):
    assert ids(advisory_snapshot, "surely-not-a-real-package", "1.0") == {}
    skipped = SkippedDependency("flask", "not pinned")
    assert advisory_snapshot.query(skipped) == (skipped, [])


def test_range_with_last_affected_includes_that_version_only():
    entry = {
        "ranges": [
            {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"last_affected": "1.4"}]}
        ]
    }
    assert affects(entry, Version("1.4"))
    assert not affects(entry, Version("1.4.1"))
    assert not affects(entry, Version("0.9"))


def test_several_ranges_and_an_explicit_versions_list_are_all_honoured():
    entry = {
        "versions": ["0.5"],
        "ranges": [
            {"type": "GIT", "events": [{"introduced": "0"}]},
            {
                "type": "ECOSYSTEM",
                "events": [
                    {"introduced": "1.0"},
                    {"fixed": "1.2"},
                    {"introduced": "2.0"},
                    {"fixed": "2.0.3"},
                ],
            },
        ],
    }
    affected = ["0.5", "1.0", "1.1.9", "2.0", "2.0.2"]
    unaffected = ["0.6", "1.2", "1.9", "2.0.3", "3.0"]
    assert all(affects(entry, Version(v)) for v in affected)
    assert not any(affects(entry, Version(v)) for v in unaffected)


def test_withdrawn_advisories_are_ignored(tmp_path):
    folder = tmp_path / "vulns" / "demo-pkg"
    folder.mkdir(parents=True)
    advisory = """\
id: PYSEC-0000-{n}
{extra}affected:
- package: {{name: Demo_Pkg, ecosystem: PyPI}}
  ranges:
  - type: ECOSYSTEM
    events: [{{introduced: "0"}}, {{fixed: "2.0"}}]
"""
    (folder / "PYSEC-0000-1.yaml").write_text(advisory.format(n=1, extra=""))
    (folder / "PYSEC-0000-2.yaml").write_text(advisory.format(n=2, extra="withdrawn: 2024-01-01\n"))
    (folder / "broken.yaml").write_text("id: [unclosed\n")
    found = ids(LocalOsvService(tmp_path), "demo-pkg", "1.0")
    assert found == {"PYSEC-0000-1": ["2.0"]}


def test_missing_directory_is_refused_with_the_fix(tmp_path):
    with pytest.raises(AdvisoryDirectoryError, match="set QL_ADVISORY_DB"):
        LocalOsvService(tmp_path / "nope")
    with pytest.raises(AdvisoryDirectoryError, match="no package folders"):
        LocalOsvService(tmp_path)


@needs_snapshot
def test_online_service_that_cannot_be_reached_falls_back_to_the_directory():
    service = advisory_service(SNAPSHOT, online=True, osv_url=refused_url("/v1/query"))
    assert isinstance(service, OnlineFirstService)
    assert "PYSEC-2018-28" in ids(service, "requests", "2.19.0")
    assert service.used.startswith("local OSV directory")


@needs_snapshot
def test_local_directory_alone_when_online_is_off():
    assert isinstance(advisory_service(SNAPSHOT, online=False), LocalOsvService)
