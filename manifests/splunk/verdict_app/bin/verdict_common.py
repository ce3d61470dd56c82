"""Shared helpers of the Verdict app's scripts: standard library only, Python 3.7+.

The scripts are thin forwarders. All triage logic lives in the Verdict service; this module only
reads the service settings from splunkd, fetches the API token from storage/passwords and POSTs
rows to the service. Error messages never contain the token or the session key.
"""

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request

APP = "verdict_app"
PASSWORD_REALM = "verdict_app"
USER_AGENT = "verdict-splunk-app/0.1.0"


class VerdictAppError(Exception):
    """A failure the script reports to Splunk; the message is safe to log."""


def _splunkd_context(splunkd_uri):
    # splunkd on the search head usually serves its default self-signed certificate; the call
    # stays on the local management port and carries the session key Splunk gave this script.
    host = urllib.parse.urlparse(splunkd_uri).hostname or ""
    if host in ("127.0.0.1", "localhost", "::1"):
        return ssl._create_unverified_context()  # noqa: S323 - local splunkd only
    return ssl.create_default_context()


def splunkd_get(splunkd_uri, session_key, path, params=None, timeout=30):
    query = {"output_mode": "json"}
    query.update(params or {})
    url = "%s%s?%s" % (splunkd_uri.rstrip("/"), path, urllib.parse.urlencode(query))
    request = urllib.request.Request(url, headers={"Authorization": "Splunk %s" % session_key, "User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=_splunkd_context(splunkd_uri)) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        if error.code == 403 and "/storage/passwords" in path:
            raise VerdictAppError("splunkd GET %s answered HTTP 403: the user running this search may not read stored credentials; "
                                  "give its role the list_storage_passwords capability (Settings > Roles), or run it as a role that has it" % path)
        raise VerdictAppError("splunkd GET %s answered HTTP %d" % (path, error.code))
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise VerdictAppError("splunkd GET %s failed: %s" % (path, type(error).__name__))


def read_service_settings(splunkd_uri, session_key):
    """The [service] stanza of verdict.conf (written by the setup page)."""
    try:
        answer = splunkd_get(splunkd_uri, session_key, "/servicesNS/nobody/%s/configs/conf-verdict/service" % APP)
    except VerdictAppError:
        return {}
    entries = answer.get("entry") or []
    return dict(entries[0].get("content") or {}) if entries else {}


def read_api_token(splunkd_uri, session_key):
    """The Verdict API token the setup page stored in storage/passwords (realm verdict_app)."""
    answer = splunkd_get(splunkd_uri, session_key, "/servicesNS/nobody/%s/storage/passwords" % APP, {"count": "0"})
    for entry in answer.get("entry") or []:
        content = entry.get("content") or {}
        if content.get("realm") == PASSWORD_REALM and content.get("clear_password"):
            return content["clear_password"]
    raise VerdictAppError("no Verdict API token in storage/passwords (realm %s); run the Verdict setup page" % PASSWORD_REALM)


def is_true(value, default=True):
    if value is None or value == "":
        return default
    return str(value).strip().lower() in ("1", "true", "t", "yes", "y")


def triage(service_url, token, rows, timeout=60, verify_tls=True):
    """POST {service_url}/v1/triage?platform=splunk {"alerts": rows} -> {"results": [...], "errors": [...]}"""
    if not service_url:
        raise VerdictAppError("no Verdict service URL; set it on the Verdict setup page or in the alert action")
    url = "%s/v1/triage?platform=splunk" % service_url.rstrip("/")
    body = json.dumps({"alerts": rows}).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": "Bearer %s" % token,
        "Content-Type": "application/json",
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
    })
    context = None
    if url.startswith("https:"):
        context = ssl.create_default_context() if verify_tls else ssl._create_unverified_context()  # noqa: S323
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            answer = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        raise VerdictAppError("Verdict service answered HTTP %d for POST /v1/triage" % error.code)
    except (urllib.error.URLError, OSError) as error:
        raise VerdictAppError("Verdict service unreachable at %s (%s)" % (service_url, type(error).__name__))
    except ValueError:
        raise VerdictAppError("Verdict service answer is not JSON")
    if not isinstance(answer, dict):
        raise VerdictAppError("Verdict service answer is not a JSON object")
    return answer


def align_results(answer, count):
    """One (result, error) pair per input row, in input order.

    The service lists one error per failing field, each with the row's `index`; results carry
    no index and come in input order with the failed rows left out. A result that does carry
    `index` is placed by it.
    """
    results = [r for r in answer.get("results") or [] if isinstance(r, dict)]
    messages = {}
    for error in answer.get("errors") or []:
        if not isinstance(error, dict) or not isinstance(error.get("index"), int):
            continue
        text = error.get("message") or "invalid alert"
        if error.get("path"):
            text = "%s: %s" % (error["path"], text)
        messages.setdefault(error["index"], []).append(text)
    paired = [(None, None)] * count
    for index, texts in messages.items():
        if 0 <= index < count:
            paired[index] = (None, {"message": "; ".join(texts)})
    if results and all(isinstance(r.get("index"), int) for r in results):
        for result in results:
            if 0 <= result["index"] < count:
                paired[result["index"]] = (result, None)
        return paired
    free = [i for i in range(count) if paired[i][1] is None]
    for index, result in zip(free, results):
        paired[index] = (result, None)
    return paired


def decode_multivalue(encoded):
    """Splunk's `__mv_<field>` encoding: `$a$;$b$`, with `$$` for a literal `$`."""
    values, current, inside, i = [], [], False, 0
    while i < len(encoded):
        char = encoded[i]
        if char == "$":
            if inside and i + 1 < len(encoded) and encoded[i + 1] == "$":
                current.append("$")
                i += 2
                continue
            if inside:
                values.append("".join(current))
                current = []
            inside = not inside
        elif inside:
            current.append(char)
        i += 1
    return values


def row_to_alert(row):
    """A CSV result row as a JSON alert: multivalue fields become lists, `__mv_` columns go."""
    alert = {}
    for key, value in row.items():
        if key is None or key.startswith("__mv_"):
            continue
        encoded = row.get("__mv_" + key)
        if encoded:
            alert[key] = decode_multivalue(encoded)
        elif value is not None and value != "":
            alert[key] = value
    return alert
