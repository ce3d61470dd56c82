"""Custom alert action `verdict_triage`: forwards the triggering results to the Verdict service.

Splunk runs `verdict_triage.py --execute` with the JSON payload on stdin
(alert_actions.conf: payload_format = json). The payload gives the results file, the session
key and splunkd URI; the service URL comes from the action's `service_url` parameter or the
setup page (verdict.conf [service] url); the API token from storage/passwords. Exit 0 on
success, 2 on failure (the reason goes to stderr, which Splunk writes to splunkd.log).
"""

import csv
import gzip
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from verdict_common import (  # noqa: E402
    VerdictAppError,
    is_true,
    read_api_token,
    read_service_settings,
    row_to_alert,
    triage,
)

DEFAULT_MAX_RESULTS = 100
RULE_NAME_FIELDS = ("rule_name", "search_name", "rule_title")


def read_results(payload, max_results):
    results_file = payload.get("results_file")
    if results_file and os.path.exists(results_file):
        opener = gzip.open if results_file.endswith(".gz") else open
        csv.field_size_limit(min(sys.maxsize, 2 ** 31 - 1))
        with opener(results_file, "rt", encoding="utf-8", newline="") as handle:
            rows = []
            for row in csv.DictReader(handle):
                rows.append(row_to_alert(row))
                if len(rows) >= max_results:
                    break
            return rows
    result = payload.get("result")
    return [row_to_alert(result)] if isinstance(result, dict) else []


def name_rows(rows, search_name):
    """A correlation search's results carry no rule name (ES adds it to the notable it writes):
    each row is named after the search that fired, so the service can tell which rule it is."""
    if search_name:
        for row in rows:
            if not any(row.get(field) for field in RULE_NAME_FIELDS):
                row["search_name"] = search_name
    return rows


def run(argv, stdin, stderr):
    if len(argv) < 2 or argv[1] != "--execute":
        stderr.write("FATAL verdict_triage: unsupported execution mode (expected --execute)\n")
        return 1
    try:
        payload = json.loads(stdin.read())
    except ValueError:
        stderr.write("FATAL verdict_triage: the alert payload on stdin is not JSON; set payload_format = json\n")
        return 1
    config = payload.get("configuration") or {}
    try:
        max_results = int(config.get("max_results") or DEFAULT_MAX_RESULTS)
        splunkd_uri = payload.get("server_uri") or "https://127.0.0.1:8089"
        session_key = payload.get("session_key") or ""
        settings = read_service_settings(splunkd_uri, session_key)
        service_url = config.get("service_url") or settings.get("url") or ""
        rows = name_rows(read_results(payload, max_results), payload.get("search_name"))
        if not rows:
            stderr.write("INFO verdict_triage: no results to send for %s\n" % payload.get("search_name", "?"))
            return 0
        token = read_api_token(splunkd_uri, session_key)
        answer = triage(service_url, token, rows,
                        timeout=int(settings.get("timeout") or 60),
                        verify_tls=is_true(settings.get("verify_tls"), True))
    except (VerdictAppError, ValueError) as error:
        stderr.write("ERROR verdict_triage: %s\n" % error)
        return 2
    results = answer.get("results") or []
    errors = answer.get("errors") or []
    stderr.write("INFO verdict_triage: sent %d result(s) from %s; %d verdict(s), %d error(s)\n"
                 % (len(rows), payload.get("search_name", "?"), len(results), len(errors)))
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv, sys.stdin, sys.stderr))
