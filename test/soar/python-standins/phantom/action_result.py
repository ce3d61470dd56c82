# TEST-ONLY STAND-IN for phantom.action_result.ActionResult (see ../README.md).


class ActionResult:
    def __init__(self, param=None):
        self._param = dict(param or {})
        self._data = []
        self._summary = {}
        self._status = False
        self._message = ""

    def add_data(self, data):
        self._data.append(data)
        return data

    def update_summary(self, summary):
        self._summary.update(summary)
        return self._summary

    def set_status(self, status, message=""):
        self._status = status
        self._message = message
        return status

    def get_status(self):
        return self._status

    def get_message(self):
        return self._message

    def to_json(self):
        return {
            "status": "success" if self._status else "failed",
            "message": self._message,
            "parameter": self._param,
            "data": self._data,
            "summary": self._summary,
        }
