"""The worker's pure decision, table-driven."""

from __future__ import annotations

import pytest

from zonekeeper.worker.plan import Observation, Reason, Verdict, backoff, describe, explain, judge

A, B, C = ("10.0.0.1", 53), ("10.0.0.2", 53), ("10.0.0.3", 53)


def obs(ns: tuple[str, int], serial: int | None, failure: Reason | None = None) -> Observation:
    return Observation(ns[0], ns[1], serial, failure)


@pytest.mark.parametrize(
    ("serial", "deleting", "observations", "threshold", "done", "lagging"),
    [
        (10, False, [obs(A, 10)], 100, True, {}),
        (10, False, [obs(A, 11)], 100, True, {}),
        (10, False, [obs(A, 9)], 100, False, {A: Reason.BEHIND}),
        (10, False, [obs(A, 10), obs(B, None, Reason.TIMEOUT)], 100, False, {B: Reason.TIMEOUT}),
        (10, False, [obs(A, 10), obs(B, None, Reason.TIMEOUT)], 50, True, {B: Reason.TIMEOUT}),
        (
            10,
            False,
            [obs(A, 10), obs(B, 9), obs(C, 9)],
            50,
            False,
            {B: Reason.BEHIND, C: Reason.BEHIND},
        ),
        (10, False, [obs(A, None)], 100, False, {A: Reason.NOT_AUTHORITATIVE}),
        (10, False, [obs(A, None, Reason.REFUSED)], 100, False, {A: Reason.REFUSED}),
        (10, False, [], 100, False, {}),
        # RFC 1982: 5 follows 2**32 - 5
        (2**32 - 5, False, [obs(A, 5)], 100, True, {}),
        (10, True, [obs(A, None, Reason.REFUSED)], 100, True, {}),
        (10, True, [obs(A, None)], 100, True, {}),
        (10, True, [obs(A, 10)], 100, False, {A: Reason.STILL_SERVED}),
        (10, True, [obs(A, None, Reason.TIMEOUT)], 100, False, {A: Reason.TIMEOUT}),
        (10, True, [obs(A, None, Reason.NETWORK_ERROR)], 100, False, {A: Reason.NETWORK_ERROR}),
        (10, True, [], 100, False, {}),
    ],
)
def test_judge(
    serial: int,
    deleting: bool,
    observations: list[Observation],
    threshold: int,
    done: bool,
    lagging: dict[tuple[str, int], Reason],
) -> None:
    verdict = judge(serial, deleting, observations, threshold)
    assert verdict.done is done
    assert verdict.lagging == lagging


@pytest.mark.parametrize(
    ("attempt", "expected"), [(1, 0.5), (2, 1.0), (3, 2.0), (6, 16.0), (7, 30.0), (50, 30.0)]
)
def test_backoff_doubles_up_to_the_ceiling(attempt: int, expected: float) -> None:
    assert backoff(attempt, 0.5, 30.0) == expected


def test_describe_names_each_nameserver() -> None:
    text = describe({B: Reason.TIMEOUT, A: Reason.BEHIND})
    assert text == "10.0.0.1:53 behind; 10.0.0.2:53 timeout"


@pytest.mark.parametrize(
    ("lagging", "notified", "explained"),
    [
        # Took the NOTIFY, still behind after the polls: it could not transfer.
        (Reason.BEHIND, None, Reason.TRANSFER_FAILED),
        # Turned the NOTIFY down: that is the reason.
        (Reason.BEHIND, Reason.TSIG_BADKEY, Reason.TSIG_BADKEY),
        (Reason.BEHIND, Reason.REFUSED, Reason.REFUSED),
        # Anything but "behind" already says what is wrong.
        (Reason.TIMEOUT, None, Reason.TIMEOUT),
        (Reason.NOT_AUTHORITATIVE, Reason.REFUSED, Reason.NOT_AUTHORITATIVE),
    ],
)
def test_explain_makes_behind_precise(
    lagging: Reason, notified: Reason | None, explained: Reason
) -> None:
    ns = ("192.0.2.1", 53)
    verdict = explain(Verdict(False, {ns: lagging}), {ns: notified})
    assert verdict == Verdict(False, {ns: explained})


def test_explain_leaves_nameservers_never_notified_alone() -> None:
    ns = ("192.0.2.1", 53)
    assert explain(Verdict(False, {ns: Reason.BEHIND}), {}).lagging == {ns: Reason.BEHIND}
