"""Verdict HTTP API client shared by the Splunk SOAR connector and the Shuffle app.

Standard library only (SOAR runtimes install no extra wheels for it). The operation table below is
generated from Verdict's OpenAPI document by plugins/soar; do not edit it by hand.
"""

import hashlib
import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request

VERDICT_API = {
    "version": "0.1.0",
    "triage": {
        "method": "POST",
        "path": "/v1/triage"
    },
    "getVerdict": {
        "method": "GET",
        "path": "/v1/verdicts/{id}"
    },
    "listVerdicts": {
        "method": "GET",
        "path": "/v1/verdicts"
    },
    "feedback": {
        "method": "POST",
        "path": "/v1/feedback"
    },
    "getJob": {
        "method": "GET",
        "path": "/v1/jobs/{id}"
    }
}

RETRIED_STATUSES = (429, 502, 503, 504)


class VerdictProblem(Exception):
    """An error answer of the service: its RFC 9457 problem details (type, title, status, detail, field)."""

    def __init__(self, status, problem):
        self.status = status
        self.problem = problem
        field = problem.get("field")
        super().__init__(
            "Verdict answered %s (%s): %s%s"
            % (status, problem.get("title", "error"), problem.get("detail", "no detail"), " [field: %s]" % field if field else "")
        )


class VerdictUnreachable(Exception):
    """No answer from the service at all (refused, reset, timed out): nothing to read, say where and why."""


def request_key(prefix, *parts):
    """A deterministic Idempotency-Key: the same step with the same input counts once however often it is retried."""
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()
    return "%s-%s" % (prefix, digest[:40])


class VerdictClient:
    def __init__(self, base_url, token, verify=True, timeout=60, user_agent="Verdict-SOAR", retries=3):
        if not base_url:
            raise ValueError("set the Verdict URL, e.g. https://verdict.example:8477")
        if not token:
            raise ValueError("set the API token (verdict token create --name soar --scope triage --scope feedback)")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.user_agent = "%s/%s" % (user_agent, VERDICT_API["version"])
        self.retries = retries
        self.context = None if verify else ssl._create_unverified_context()  # noqa: S323 - the asset asked for it

    def request(self, operation, path_values=None, query=None, body=None, idempotency_key=None):
        spec = VERDICT_API[operation]
        path = spec["path"]
        for name, value in (path_values or {}).items():
            path = path.replace("{%s}" % name, urllib.parse.quote(str(value), safe=""))
        query = {name: value for name, value in (query or {}).items() if value not in (None, "")}
        url = self.base_url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        headers = {
            "Authorization": "Bearer " + self.token,
            "Accept": "application/json, application/problem+json",
            "User-Agent": self.user_agent,
        }
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        attempt = 0
        while True:
            attempt += 1
            request = urllib.request.Request(url, data=data, headers=headers, method=spec["method"])
            try:
                with urllib.request.urlopen(request, timeout=self.timeout, context=self.context) as response:
                    return json.loads(response.read().decode("utf-8") or "null")
            except urllib.error.HTTPError as error:
                text = error.read().decode("utf-8", "replace")
                # Only a keyed POST is safe to resend; reads always are. 409: the first try with this key still runs.
                retriable = (error.code in RETRIED_STATUSES and (spec["method"] == "GET" or idempotency_key)) or (error.code == 409 and idempotency_key)
                if retriable and attempt <= self.retries:
                    time.sleep(min(float(error.headers.get("Retry-After") or attempt), 10.0))
                    continue
                try:
                    problem = json.loads(text)
                except ValueError:
                    problem = {"status": error.code, "title": error.reason, "detail": text[:500]}
                raise VerdictProblem(error.code, problem if isinstance(problem, dict) else {"detail": str(problem)})
            except (urllib.error.URLError, OSError) as error:
                # Refused, reset or timed out: the service may have done the work, so only what is safe to resend is resent.
                if (spec["method"] == "GET" or idempotency_key) and attempt <= self.retries:
                    time.sleep(min(float(attempt), 10.0))
                    continue
                reason = getattr(error, "reason", error)
                raise VerdictUnreachable("could not reach Verdict at %s: %s (check the URL, the network and that verdict serve runs)" % (self.base_url, reason))

    def triage(self, alert, platform=None, field_map=None, idempotency_key=None, asynchronous=False, wait_seconds=600):
        """The TriageResponse. Asynchronous: the service answers 202 at once and this polls the job (for slow LLM-backed verdicts)."""
        key = idempotency_key or request_key("soar-async" if asynchronous else "soar", alert, platform or "", field_map or "")
        query = {"platform": platform, "map": field_map}
        if not asynchronous:
            return self.request("triage", query=query, body=alert, idempotency_key=key)
        query["async"] = "true"
        return self.wait_for_job(self.request("triage", query=query, body=alert, idempotency_key=key), wait_seconds)

    def wait_for_job(self, job, wait_seconds):
        deadline = time.time() + wait_seconds
        while job.get("status") == "pending":
            if time.time() > deadline:
                raise VerdictProblem(504, {"title": "Still running", "status": 504, "detail": "job %s is still pending after %s s: poll %s later" % (job.get("jobId"), wait_seconds, job.get("statusUrl"))})
            time.sleep(1)
            job = self.request("getJob", path_values={"id": job["jobId"]})
        if job.get("status") == "failed":
            raise VerdictProblem(job.get("statusCode", 500), job.get("problem") or {})
        return job["result"]

    def get_verdict(self, alert_id):
        return self.request("getVerdict", path_values={"id": alert_id})

    def send_feedback(self, alert_id, verdict, note=None, analyst=None, idempotency_key=None):
        disposition = {"alertId": alert_id, "verdict": verdict}
        if note:
            disposition["note"] = note
        if analyst:
            disposition["analyst"] = analyst
        key = idempotency_key or request_key("soar-feedback", disposition)
        return self.request("feedback", body=disposition, idempotency_key=key)

    def check(self):
        """A call that needs a valid token with the triage scope."""
        return self.request("listVerdicts", query={"limit": 1})


def parse_alert(value):
    """The alert parameter: a JSON object, or text holding one."""
    if isinstance(value, (dict, list)):
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError) as error:
        raise ValueError("the alert parameter is not JSON: pass the alert object as JSON text (%s)" % error)
