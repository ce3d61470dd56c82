"""Verdict app for Splunk SOAR: a thin connector that forwards each action to the Verdict service.

Actions (see verdict.json): test connectivity, triage alert, get verdict, send feedback. All the
HTTP work is in verdict_client.py (standard library only); this file maps SOAR parameters to it
and the answers to action results. An error answer of the service becomes a failed action whose
message carries the service's problem details, and whose data holds them for the playbook.
"""

import json

import phantom.app as phantom
from phantom.action_result import ActionResult
from phantom.base_connector import BaseConnector

from verdict_client import VerdictClient, VerdictProblem, VerdictUnreachable, parse_alert


class VerdictConnector(BaseConnector):
    def __init__(self):
        super(VerdictConnector, self).__init__()
        self._client = None

    def initialize(self):
        config = self.get_config()
        try:
            self._client = VerdictClient(
                config.get("base_url"),
                config.get("api_token"),
                verify=bool(config.get("verify_server_cert", True)),
                timeout=int(config.get("timeout", 60)),
                user_agent="Verdict-SplunkSOAR",
            )
        except ValueError as error:
            return self.set_status(phantom.APP_ERROR, str(error))
        return phantom.APP_SUCCESS

    def handle_action(self, param):
        handlers = {
            "test_connectivity": self._test_connectivity,
            "triage_alert": self._triage_alert,
            "get_verdict": self._get_verdict,
            "send_feedback": self._send_feedback,
        }
        action_result = self.add_action_result(ActionResult(dict(param)))
        handler = handlers.get(self.get_action_identifier())
        if handler is None:
            return action_result.set_status(phantom.APP_ERROR, "unknown action %s" % self.get_action_identifier())
        try:
            return handler(param, action_result)
        except VerdictProblem as problem:
            action_result.add_data({"problem": problem.problem})
            action_result.update_summary({"status_code": problem.status, "problem_type": problem.problem.get("type"), "field": problem.problem.get("field")})
            return action_result.set_status(phantom.APP_ERROR, str(problem))
        except (ValueError, VerdictUnreachable) as error:
            return action_result.set_status(phantom.APP_ERROR, str(error))

    def _test_connectivity(self, param, action_result):
        self.save_progress("Calling Verdict with the configured token")
        self._client.check()
        self.save_progress("Test Connectivity Passed")
        return action_result.set_status(phantom.APP_SUCCESS, "Verdict answered and accepted the token")

    def _triage_alert(self, param, action_result):
        answer = self._client.triage(
            parse_alert(param["alert"]), param.get("platform"), param.get("map"), param.get("idempotency_key"), asynchronous=bool(param.get("asynchronous", False))
        )
        for result in answer["results"]:
            action_result.add_data(result)
        first = answer["results"][0] if answer["results"] else {}
        action_result.update_summary({
            "verdict": first.get("verdict"),
            "confidence": first.get("confidence"),
            "alert_id": first.get("alertId"),
            "total_verdicts": len(answer["results"]),
            "rejected": len(answer["errors"]),
        })
        return action_result.set_status(phantom.APP_SUCCESS, "Verdict: %s (confidence %s)" % (first.get("verdict"), first.get("confidence")))

    def _get_verdict(self, param, action_result):
        result = self._client.get_verdict(param["alert_id"])
        action_result.add_data(result)
        action_result.update_summary({"verdict": result.get("verdict"), "confidence": result.get("confidence"), "alert_id": result.get("alertId")})
        return action_result.set_status(phantom.APP_SUCCESS, "Verdict: %s" % result.get("verdict"))

    def _send_feedback(self, param, action_result):
        answer = self._client.send_feedback(param["alert_id"], param["verdict"], param.get("note"), param.get("analyst"), param.get("idempotency_key"))
        action_result.add_data(answer)
        action_result.update_summary({"recorded": answer.get("recorded")})
        return action_result.set_status(phantom.APP_SUCCESS, "Feedback recorded")


def main():
    """Runs one action from a JSON file, as `python3 verdict_connector.py action.json` (the SOAR app convention)."""
    import sys

    with open(sys.argv[1]) as handle:
        in_json = handle.read()
    connector = VerdictConnector()
    connector.print_progress_message = True
    print(json.dumps(json.loads(connector._handle_action(in_json, None)), indent=2))


if __name__ == "__main__":
    main()
