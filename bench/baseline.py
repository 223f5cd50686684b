"""The baseline: a minimal hand-written aws-cdk-lib program creating the same alarms and topics as L1
resources, without vigil. `python -m bench.baseline ROOT OUTDIR` reads the generated specs with plain PyYAML
(the generator's shapes only), one stack per service and one with the three severity topics.

`python -m bench.baseline ROOT OUTDIR --vigil-app-settings` creates its app with vigil's settings
(vigil/app_settings.py: no tree.json, no built-in CloudFormation validation, no creation stack traces), for a
like-for-like comparison of the rest."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from vigil.app_settings import APP_CONTEXT, APP_PROPS

OPERATORS = {">": "GreaterThanThreshold", ">=": "GreaterThanOrEqualToThreshold", "<": "LessThanThreshold",
             "<=": "LessThanOrEqualToThreshold"}
STATS = {"SampleCount", "Average", "Sum", "Minimum", "Maximum"}
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def main() -> None:
    root, outdir = Path(sys.argv[1]), sys.argv[2]
    like_vigil = "--vigil-app-settings" in sys.argv[3:]
    start = time.perf_counter()
    import aws_cdk as cdk
    from aws_cdk import aws_cloudwatch as cw
    from aws_cdk import aws_sns as sns

    imported = time.perf_counter()
    env = yaml.load(next((root / "environments").glob("*.yaml")).read_text(), Loader=LOADER)
    name, environment = env["name"], cdk.Environment(account=env["account"], region=env["region"])
    app = cdk.App(outdir=outdir, context=dict(APP_CONTEXT), **APP_PROPS) if like_vigil else cdk.App(outdir=outdir)
    topics = cdk.Stack(app, f"base-{name}-routing", env=environment)
    for severity in ("critical", "warning", "info"):
        sns.CfnTopic(topics, severity, topic_name=f"base-{name}-{severity}")
    for path in sorted((root / "alarm_specs").glob("*.yaml")):
        spec = yaml.load(path.read_text(), Loader=LOADER)
        service = spec["service"]
        stack = cdk.Stack(app, f"base-{name}-{service}", env=environment)
        defaults = spec["defaults"]
        for key, alarm in spec["alarms"].items():
            topic = f"arn:{cdk.Aws.PARTITION}:sns:{env['region']}:{env['account']}:base-{name}-{alarm['severity']}"
            common: dict[str, Any] = {
                "alarm_name": f"base-{name}-{service}-{key}", "alarm_description": alarm.get("summary"),
                "alarm_actions": [topic], "ok_actions": [topic] if alarm["severity"] != "info" else None,
            }
            if "composite" in alarm:
                prefix = f"base-{name}-{service}-"
                rule = re.sub(r"ALARM\(([^)]+)\)", lambda m, p=prefix: f'ALARM("{p}{m.group(1)}")',
                              alarm["composite"])
                cw.CfnCompositeAlarm(stack, key, alarm_rule=rule, **common)
                continue
            operator, value = alarm["threshold"].split()
            period = 60 if alarm.get("period") == "1m" else 300
            props: dict[str, Any] = {
                "comparison_operator": OPERATORS[operator], "threshold": float(value),
                "evaluation_periods": alarm.get("evaluation_periods", 1),
                "datapoints_to_alarm": alarm.get("datapoints_to_alarm", alarm.get("evaluation_periods", 1)),
                "treat_missing_data": "missing",
            }
            dimensions = [{"name": k, "value": v} for k, v in defaults["dimensions"].items()]
            if "metrics" in alarm:
                props["metrics"] = [
                    {"id": mid, "returnData": False, "metricStat": {
                        "metric": {"namespace": defaults["namespace"], "metricName": m["metric"],
                                   "dimensions": dimensions}, "period": period, "stat": m["stat"]}}
                    for mid, m in sorted(alarm["metrics"].items())
                ] + [{"id": "expr", "expression": alarm["expression"], "label": key, "returnData": True}]
            else:
                stat = alarm["stat"]
                props.update(namespace=defaults["namespace"], metric_name=alarm["metric"], dimensions=dimensions,
                             period=period, **{"statistic" if stat in STATS else "extended_statistic": stat})
            cw.CfnAlarm(stack, key, **common, **props)
        for tag, value in (("service", service), ("owner", spec["owner"]), ("environment", name)):
            cdk.Tags.of(stack).add(tag, value)
    built = time.perf_counter()
    app.synth()
    done = time.perf_counter()
    print(json.dumps({"import": imported - start, "plan": 0.0, "constructs": built - imported,
                      "synth": done - built}))


if __name__ == "__main__":
    main()
