"""Verdict app for Shuffle: each action of api.yaml is a method here, forwarding to the Verdict service.

The HTTP work is in verdict_client.py (standard library only). An error answer of the service is
returned as its problem details ({"success": false, "problem": {...}}) so the workflow can branch
on it instead of the action crashing.
"""

import json

from walkoff_app_sdk.app_base import AppBase

from verdict_client import VerdictClient, VerdictProblem, VerdictUnreachable, parse_alert


class Verdict(AppBase):
    __version__ = "__APP_VERSION__"
    app_name = "verdict"

    def __init__(self, redis, logger, console_logger=None):
        super().__init__(redis, logger, console_logger)

    def _run(self, url, apikey, call):
        try:
            return json.dumps(call(VerdictClient(url, apikey, user_agent="Verdict-Shuffle")))
        except VerdictProblem as problem:
            return json.dumps({"success": False, "status": problem.status, "problem": problem.problem})
        except ValueError as error:
            return json.dumps({"success": False, "problem": {"title": "Invalid parameter", "detail": str(error)}})
        except VerdictUnreachable as error:
            return json.dumps({"success": False, "problem": {"title": "Verdict unreachable", "detail": str(error)}})

    def triage_alert(self, url, apikey, alert, platform=None, idempotency_key=None, asynchronous="false"):
        wait = str(asynchronous).lower() == "true"
        return self._run(url, apikey, lambda client: client.triage(parse_alert(alert), platform or None, None, idempotency_key or None, asynchronous=wait))

    def get_verdict(self, url, apikey, alert_id):
        return self._run(url, apikey, lambda client: client.get_verdict(alert_id))

    def send_feedback(self, url, apikey, alert_id, verdict, note=None):
        return self._run(url, apikey, lambda client: client.send_feedback(alert_id, verdict, note or None))

    def test_connectivity(self, url, apikey):
        return self._run(url, apikey, lambda client: (client.check(), {"ok": True})[1])


if __name__ == "__main__":
    Verdict.run()
