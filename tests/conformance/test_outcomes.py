"""The conformance run's judgement (tests/conformance/outcomes.py): outcomes from subunit
records, expected.txt, and what counts as a regression."""

from __future__ import annotations

import pytest

from tests.conformance import outcomes
from tests.conformance.outcomes import Result

API = "designate_tempest_plugin.tests.api.v2"
ZONES = f"{API}.test_zones.ZonesTest"
TLD = f"{API}.test_tld.TldAdminTest"


def record(test: str, status: str, traceback: str = "") -> dict[str, str]:
    return {"id": test, "status": status, "traceback": traceback}


def test_outcomes_from_records_ignore_attributes_and_announcements() -> None:
    listed = [f"{ZONES}.test_a[id-1,smoke]", f"{ZONES}.test_b[id-2]", f"{ZONES}.test_c[id-3]"]
    records = [
        record(f"{ZONES}.test_a[id-1,smoke]", "success"),
        record(f"{ZONES}.test_b[id-2]", "fail", "Traceback: boom"),
        record(f"{ZONES}.test_c[id-3]", "skip", "not configured"),
        # stestr announces every test; announcements may come after the outcome
        record(f"{ZONES}.test_a[id-1,smoke]", "exists"),
        record(f"{ZONES}.test_b[id-2]", "exists"),
    ]
    assert outcomes.outcomes(listed, records) == {
        f"{ZONES}.test_a": Result("pass"),
        f"{ZONES}.test_b": Result("fail", "Traceback: boom"),
        f"{ZONES}.test_c": Result("skip", "not configured"),
    }


@pytest.mark.parametrize(
    ("setup_status", "outcome"), [("fail", "fail"), ("skip", "skip"), ("success", "fail")]
)
def test_tests_of_a_class_whose_setup_did_not_run_them_take_its_outcome(
    setup_status: str, outcome: str
) -> None:
    # setUpClass raising (no TLD endpoint) or skipping (feature off): its tests never start.
    # A class set up fine whose test has no record never ran (the run was stopped): a failure.
    listed = [f"{TLD}.test_create_tld[id-9]"]
    records = [record(f"setUpClass ({TLD})", setup_status, "why")]
    [result] = outcomes.outcomes(listed, records).values()
    assert result.outcome == outcome


def test_a_listed_test_without_any_record_failed() -> None:
    [result] = outcomes.outcomes([f"{ZONES}.test_a[id-1]"], []).values()
    assert result.outcome == "fail"
    assert "never ran" in result.detail


def test_uxsuccess_is_a_failure_and_xfail_a_pass() -> None:
    listed = [f"{ZONES}.test_a", f"{ZONES}.test_b"]
    records = [record(f"{ZONES}.test_a", "uxsuccess"), record(f"{ZONES}.test_b", "xfail")]
    found = outcomes.outcomes(listed, records)
    assert [found[t].outcome for t in listed] == ["fail", "pass"]


def test_fixture_failures_are_reported_apart() -> None:
    records = [
        record(f"tearDownClass ({ZONES})", "fail"),
        record(f"setUpClass ({TLD})", "exists"),
        record(f"setUpClass ({TLD})", "success"),
        record(f"{ZONES}.test_a", "fail"),
    ]
    assert outcomes.fixture_failures(records, "tearDownClass") == [ZONES]
    assert outcomes.fixture_failures(records, "setUpClass") == []


def test_expected_round_trips_and_rejects_bad_lines() -> None:
    results = {f"{ZONES}.test_b": Result("fail"), f"{ZONES}.test_a": Result("pass")}
    text = outcomes.render_expected(results, "header\nsecond line")
    assert text.splitlines() == [
        "# header",
        "# second line",
        f"{ZONES}.test_a pass",
        f"{ZONES}.test_b fail",
    ]
    assert outcomes.read_expected(text) == {f"{ZONES}.test_a": "pass", f"{ZONES}.test_b": "fail"}
    with pytest.raises(ValueError, match="line 2"):
        outcomes.read_expected(f"# ok\n{ZONES}.test_a passed\n")


def test_only_an_expected_pass_that_did_not_pass_is_a_regression() -> None:
    expected = {
        f"{ZONES}.pass_fails": "pass",
        f"{ZONES}.pass_skips": "pass",
        f"{ZONES}.fail_passes": "fail",
        f"{ZONES}.skip_fails": "skip",
        f"{ZONES}.pass_passes": "pass",
        f"{ZONES}.removed": "pass",
    }
    results = {
        f"{ZONES}.pass_fails": Result("fail"),
        f"{ZONES}.pass_skips": Result("skip"),
        f"{ZONES}.fail_passes": Result("pass"),
        f"{ZONES}.skip_fails": Result("fail"),
        f"{ZONES}.pass_passes": Result("pass"),
        f"{ZONES}.added_passes": Result("pass"),
        f"{ZONES}.added_fails": Result("fail"),
    }
    comparison = outcomes.compare(expected, results)
    assert comparison.failed
    assert comparison.regressions == [f"{ZONES}.pass_fails", f"{ZONES}.pass_skips"]
    assert comparison.newly_passing == [f"{ZONES}.added_passes", f"{ZONES}.fail_passes"]
    assert comparison.other_changes == [
        f"{ZONES}.added_fails: new test -> fail",
        f"{ZONES}.skip_fails: skip -> fail",
    ]
    assert comparison.gone == [f"{ZONES}.removed"]


def test_no_change_is_no_failure() -> None:
    comparison = outcomes.compare({f"{ZONES}.a": "fail"}, {f"{ZONES}.a": Result("fail")})
    assert not comparison.failed
    assert comparison == outcomes.Comparison()


def test_table_counts_per_module_beside_designates_quoted_total() -> None:
    results = {
        f"{ZONES}.a": Result("pass"),
        f"{ZONES}.b": Result("fail"),
        f"{TLD}.a": Result("skip"),
        "designate_tempest_plugin.tests.api.admin.test_quotas.QuotasAdminTest.a": Result("pass"),
    }
    rows = [line.split() for line in outcomes.format_table(results).splitlines()]
    assert rows[1:5] == [
        ["admin.test_quotas", "1", "0", "0", "1"],
        ["v2.test_tld", "0", "0", "1", "1"],
        ["v2.test_zones", "1", "1", "0", "2"],
        ["all", "modules", "2", "1", "1", "4"],
    ]
    assert rows[5] == ["Designate", "23.0.0", "(quoted)", "304", "1", "7", "312"]
