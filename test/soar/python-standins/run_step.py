"""Test driver: runs one Splunk SOAR action or Shuffle action from the generated app, prints JSON.

usage: run_step.py splunk-soar <app_dir> <action_json>   (the JSON SOAR hands _handle_action)
       run_step.py shuffle <src_dir> <action_name> <kwargs_json>
"""
import json
import sys

kind, directory = sys.argv[1], sys.argv[2]
sys.path.insert(0, directory)
if kind == "splunk-soar":
    from verdict_connector import VerdictConnector

    with open(sys.argv[3]) as handle:
        print(VerdictConnector()._handle_action(handle.read(), None))
elif kind == "shuffle":
    from app import Verdict

    app = Verdict(None, None)
    print(getattr(app, sys.argv[3])(**json.loads(sys.argv[4])))
else:
    raise SystemExit("unknown kind " + kind)
