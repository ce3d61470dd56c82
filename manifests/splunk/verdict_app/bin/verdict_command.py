"""Custom search command `| verdict` (chunked protocol v2): annotates each row with Verdict fields.

Splunk sends `chunked 1.0,<metadata bytes>,<body bytes>\\n`, then the JSON metadata and a CSV
body. The first message is `getinfo`; then come `execute` chunks until `finished` is true. Each
chunk is answered with one message in the same framing. Lengths are bytes, not characters.
Added fields: verdict, verdict_confidence, verdict_probability, verdict_summary.

Rows that are not notables (no rule_name / search_name / rule_title) are named after the
`rule="..."` option, or after the search itself. Nothing may end the command without a reply
frame: every failure is reported through the inspector with `finished: true`, as the SDK's own
commands do, and rows that got no verdict raise an inspector WARN.
"""

import csv
import io
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from verdict_common import (  # noqa: E402
    VerdictAppError,
    align_results,
    is_true,
    read_api_token,
    read_service_settings,
    row_to_alert,
    triage,
)

HEADER = re.compile(rb"chunked\s+1.0\s*,\s*(\d+)\s*,\s*(\d+)\s*\n")
ADDED_FIELDS = ["verdict", "verdict_confidence", "verdict_probability", "verdict_summary"]
RULE_FIELDS = ("rule_name", "search_name", "rule_title")

# Splunk fields can be far over csv's 128 kB default (a _raw of a multi-event notable).
csv.field_size_limit(min(sys.maxsize, 2 ** 31 - 1))


def read_exactly(stream, size):
    data = b""
    while len(data) < size:
        part = stream.read(size - len(data))
        if not part:
            raise EOFError("stream ended inside a chunk")
        data += part
    return data


def read_chunk(stream):
    header = stream.readline()
    if not header:
        return None
    match = HEADER.match(header)
    if not match:
        raise ValueError("bad chunk header %r" % header[:64])
    metadata = json.loads(read_exactly(stream, int(match.group(1))).decode("utf-8", errors="replace"))
    body = read_exactly(stream, int(match.group(2)))
    return metadata, body


def write_chunk(stream, metadata, body=b""):
    encoded = json.dumps(metadata, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    stream.write(b"chunked 1.0,%d,%d\n" % (len(encoded), len(body)))
    stream.write(encoded)
    stream.write(body)
    stream.flush()


def parse_csv(body):
    if not body:
        return [], []
    # Invalid UTF-8 (a truncated multi-byte field) is kept as U+FFFD rather than ending the search.
    reader = csv.DictReader(io.StringIO(body.decode("utf-8", errors="replace"), newline=""))
    rows = list(reader)
    return rows, list(reader.fieldnames or [])


def render_csv(rows, fieldnames):
    if not rows:
        return b""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=fieldnames, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def parse_args(args):
    options = {}
    for arg in args or []:
        key, _, value = arg.partition("=")
        options[key.strip()] = value.strip()
    return options


def search_rule_name(searchinfo, options):
    """The rule for rows that name none: `rule="..."`, else the search itself (its text, shortened)."""
    if options.get("rule"):
        return options["rule"].strip('"')
    search = urllib.parse.unquote(searchinfo.get("search") or "").strip()
    search = re.sub(r"\s*\|\s*verdict\b.*$", "", search, flags=re.S).strip() or "ad-hoc search"
    return "Search: %s" % (search if len(search) <= 120 else search[:119] + "\u2026")


class Forwarder:
    def __init__(self, searchinfo, options):
        self.searchinfo = searchinfo
        batch = options.get("batch_size") or "100"
        if not batch.isdigit() or int(batch) < 1:
            raise VerdictAppError("batch_size must be a whole number of rows (1 or more), got %r: for example | verdict batch_size=100" % batch)
        self.batch = int(batch)
        self.rule = search_rule_name(searchinfo, options)
        self.settings = None
        self.token = None

    def connect(self):
        if self.token is None:
            splunkd_uri = self.searchinfo.get("splunkd_uri") or "https://127.0.0.1:8089"
            session_key = self.searchinfo.get("session_key") or ""
            self.settings = read_service_settings(splunkd_uri, session_key)
            self.token = read_api_token(splunkd_uri, session_key)

    def to_alert(self, row):
        alert = row_to_alert(row)
        if not any(alert.get(field) for field in RULE_FIELDS):
            alert["search_name"] = self.rule
        return alert

    def annotate(self, rows):
        """Adds the verdict fields to each row; returns the error messages of rows that got none."""
        self.connect()
        failures = []
        for start in range(0, len(rows), self.batch):
            batch = rows[start:start + self.batch]
            answer = triage(self.settings.get("url") or "", self.token, [self.to_alert(row) for row in batch],
                            timeout=int(self.settings.get("timeout") or 60),
                            verify_tls=is_true(self.settings.get("verify_tls"), True))
            for row, (result, error) in zip(batch, align_results(answer, len(batch))):
                if result is not None:
                    row["verdict"] = result.get("verdict", "")
                    row["verdict_confidence"] = result.get("confidence", "")
                    row["verdict_probability"] = result.get("probabilityMalicious", "")
                    row["verdict_summary"] = result.get("summary", "")
                else:
                    row["verdict"] = "error"
                    row["verdict_confidence"] = row["verdict_probability"] = ""
                    row["verdict_summary"] = (error or {}).get("message", "no verdict returned for this row")
                    failures.append(row["verdict_summary"])
        return failures


def failure_warning(failures, total):
    first = failures[0]
    return ["WARN", "verdict: %d of %d rows got no verdict (verdict=error); the first: %s" % (len(failures), total, first[:300])]


def fatal(stdout, message):
    """The one reply to send when the command cannot go on: an ERROR and finished, as the SDK does."""
    write_chunk(stdout, {"finished": True, "inspector": {"messages": [["ERROR", "verdict: %s" % message]]}})
    return 1


def run(stdin, stdout):
    try:
        first = read_chunk(stdin)
    except Exception as error:  # noqa: BLE001 - any failure must still get a reply frame
        return fatal(stdout, "could not read the getinfo message (%s)" % type(error).__name__)
    if first is None:
        return 0
    metadata, _ = first
    searchinfo = metadata.get("searchinfo") or {}
    try:
        forwarder = Forwarder(searchinfo, parse_args(searchinfo.get("args")))
    except VerdictAppError as error:
        return fatal(stdout, error)
    # stateful: runs on the search head, where the app's settings and stored token live.
    write_chunk(stdout, {"type": "stateful", "generating": False})
    while True:
        try:
            chunk = read_chunk(stdin)
            if chunk is None:
                return 0
            metadata, body = chunk
            finished = bool(metadata.get("finished", False))
            rows, fieldnames = parse_csv(body)
            failures = forwarder.annotate(rows) if rows else []
        except VerdictAppError as error:
            return fatal(stdout, error)
        except Exception as error:  # noqa: BLE001 - a traceback would leave Splunk without a reply
            return fatal(stdout, "%s: %s" % (type(error).__name__, str(error)[:300]))
        for field in ADDED_FIELDS:
            if rows and field not in fieldnames:
                fieldnames.append(field)
        reply = {"finished": finished}
        if failures:
            reply["inspector"] = {"messages": [failure_warning(failures, len(rows))]}
        write_chunk(stdout, reply, render_csv(rows, fieldnames))
        if finished:
            return 0


if __name__ == "__main__":
    sys.exit(run(sys.stdin.buffer, sys.stdout.buffer))
