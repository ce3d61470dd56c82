"""Custom search command `| verdict` (chunked protocol v2): annotates each row with Verdict fields.

Splunk sends `chunked 1.0,<metadata bytes>,<body bytes>\\n`, then the JSON metadata and a CSV
body. The first message is `getinfo`; then come `execute` chunks until `finished` is true. Each
chunk is answered with one message in the same framing. Lengths are bytes, not characters.
Added fields: verdict, verdict_confidence, verdict_probability, verdict_summary.
"""

import csv
import io
import json
import os
import re
import sys

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
    metadata = json.loads(read_exactly(stream, int(match.group(1))).decode("utf-8"))
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
    reader = csv.DictReader(io.StringIO(body.decode("utf-8"), newline=""))
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


class Forwarder:
    def __init__(self, searchinfo, options):
        self.searchinfo = searchinfo
        self.batch = max(1, int(options.get("batch_size") or 100))
        self.settings = None
        self.token = None

    def connect(self):
        if self.token is None:
            splunkd_uri = self.searchinfo.get("splunkd_uri") or "https://127.0.0.1:8089"
            session_key = self.searchinfo.get("session_key") or ""
            self.settings = read_service_settings(splunkd_uri, session_key)
            self.token = read_api_token(splunkd_uri, session_key)

    def annotate(self, rows):
        self.connect()
        for start in range(0, len(rows), self.batch):
            batch = rows[start:start + self.batch]
            answer = triage(self.settings.get("url") or "", self.token, [row_to_alert(row) for row in batch],
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


def run(stdin, stdout):
    first = read_chunk(stdin)
    if first is None:
        return 0
    metadata, _ = first
    searchinfo = metadata.get("searchinfo") or {}
    forwarder = Forwarder(searchinfo, parse_args(searchinfo.get("args")))
    # stateful: runs on the search head, where the app's settings and stored token live.
    write_chunk(stdout, {"type": "stateful", "generating": False})
    while True:
        chunk = read_chunk(stdin)
        if chunk is None:
            return 0
        metadata, body = chunk
        finished = bool(metadata.get("finished", False))
        rows, fieldnames = parse_csv(body)
        try:
            if rows:
                forwarder.annotate(rows)
        except VerdictAppError as error:
            write_chunk(stdout, {"finished": True, "inspector": {"messages": [["ERROR", "verdict: %s" % error]]}})
            return 1
        for field in ADDED_FIELDS:
            if rows and field not in fieldnames:
                fieldnames.append(field)
        write_chunk(stdout, {"finished": finished}, render_csv(rows, fieldnames))
        if finished:
            return 0


if __name__ == "__main__":
    sys.exit(run(sys.stdin.buffer, sys.stdout.buffer))
