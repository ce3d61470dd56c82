# TEST-ONLY STAND-IN for walkoff_app_sdk.app_base.AppBase (see ../README.md): Shuffle calls the
# method named after the action with the action's parameters as keyword arguments.


class AppBase:
    __version__ = None
    app_name = None

    def __init__(self, redis=None, logger=None, console_logger=None):
        self.redis = redis
        self.logger = logger
        self.console_logger = console_logger

    @classmethod
    def run(cls):
        raise SystemExit("the stand-in AppBase does not run a Shuffle worker")
