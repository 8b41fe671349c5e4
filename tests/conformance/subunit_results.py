"""Read a subunit v2 stream on stdin, write one JSON object per finished test on stdout:
``{"id": ..., "status": ..., "traceback": ...}``.

Runs in tempest's venv (.venv-conformance/tempest), where python-subunit and testtools are, not
in Zonekeeper's; tests/conformance/run.py starts it. ``status`` is subunit's (success, fail,
skip, xfail, uxsuccess, ...); ``traceback`` is the failure's text, or the skip reason, or "".
"""

import json
import sys

import subunit
import testtools


def _report(test: dict) -> None:
    details = test["details"]
    reason = details.get("traceback") or details.get("reason")
    record = {
        "id": test["id"],
        "status": test["status"],
        "traceback": reason.as_text() if reason is not None else "",
    }
    sys.stdout.write(json.dumps(record) + "\n")


def main() -> None:
    result = testtools.StreamToDict(_report)
    stream = subunit.ByteStreamToStreamResult(sys.stdin.buffer, non_subunit_name="stdout")
    result.startTestRun()
    try:
        stream.run(result)
    finally:
        result.stopTestRun()


if __name__ == "__main__":
    main()
