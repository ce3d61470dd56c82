# TEST-ONLY STAND-IN for phantom.base_connector.BaseConnector (see ../README.md).
# _handle_action takes the JSON SOAR passes an app: {"identifier", "config", "parameters": [...]}.
import json


class BaseConnector:
    def __init__(self):
        self._config = {}
        self._action_identifier = None
        self._action_results = []
        self._status = True
        self._status_message = ""
        self.progress = []
        self.print_progress_message = False

    def get_config(self):
        return self._config

    def get_action_identifier(self):
        return self._action_identifier

    def add_action_result(self, action_result):
        self._action_results.append(action_result)
        return action_result

    def save_progress(self, message, *args):
        self.progress.append(message)

    def set_status(self, status, message=""):
        self._status = status
        self._status_message = message
        return status

    def _handle_action(self, in_json, handle):
        request = json.loads(in_json)
        self._config = request.get("config", {})
        self._action_identifier = request["identifier"]
        status = self.initialize()
        if status:
            for param in request.get("parameters", [{}]):
                self.handle_action(param)
        return json.dumps({
            "status": "success" if status else "failed",
            "message": self._status_message,
            "action_results": [result.to_json() for result in self._action_results],
        })

    def initialize(self):
        return True
