"""Extract the CloudWatch alarms of cdk-monitoring-constructs' Jest snapshots into DescribeAlarms shape.

Usage (from the worktree root, with a checkout or bare clone of github.com/cdklabs/cdk-monitoring-constructs):

    .venv/bin/python -m tests.import_corpus.extract_cdk /path/to/cdk-monitoring-constructs [--commit REV]

It reads every `test/**/__snapshots__/*.snap` at the commit (default HEAD), parses Jest's pretty-format,
resolves the intrinsic functions of each AWS::CloudWatch::Alarm and AWS::CloudWatch::CompositeAlarm against the
snapshot's own resources (a Ref to a topic becomes its ARN in account 123456789012, us-east-1), converts the
properties to what DescribeAlarms returns, and writes the distinct alarms to
tests/fixtures/import_corpus/cdk_monitoring_constructs.json with the source repository and commit.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.import_corpus.shapes import ACCOUNT, REGION, alarm_arn, describe_shape, dump_corpus

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "import_corpus" / "cdk_monitoring_constructs.json"
STACK = "TestStack"
_EXPORT = re.compile(r"^exports\[`((?:[^`\\]|\\.)*)`\] = `\n(.*?)\n`;$", re.S | re.M)
_TOKEN = re.compile(r'\s*(?:(?P<open>(?:[A-Za-z_][A-Za-z0-9_]* )?[\[{])|(?P<close>[\]}])|(?P<comma>,)|(?P<colon>:)'
                    r'|(?P<string>"(?:[^"\\]|\\.)*")|(?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)'
                    r'|(?P<word>true|false|null|undefined|\[[A-Z ]+\])|(?P<other>[^\s,:\]}\[{]+))', re.S)


def parse_pretty(text: str) -> Any:
    """A value printed by Jest's pretty-format (`Object {`, `Array [`, trailing commas) as Python data."""
    tokens = [(m.lastgroup, m.group(m.lastgroup or "")) for m in _TOKEN.finditer(text) if m.lastgroup]
    position = 0

    def value() -> Any:
        nonlocal position
        kind, token = tokens[position]
        position += 1
        if kind == "open":
            closing = "]" if token.endswith("[") else "}"
            items: Any = [] if closing == "]" else {}
            while tokens[position] != ("close", closing):
                if closing == "]":
                    items.append(value())
                else:
                    key = value()
                    assert tokens[position][0] == "colon", tokens[position]
                    position += 1
                    items[key] = value()
                if tokens[position][0] == "comma":
                    position += 1
            position += 1
            return items
        if kind == "string":
            return json.loads(token.replace("\n", "\\n").replace("\t", "\\t"))
        if kind == "number":
            return json.loads(token)
        return {"true": True, "false": False, "null": None, "undefined": None}.get(token, token)

    return value()


class Resolver:
    """Resolves CloudFormation intrinsic functions of one template to the values an account would hold."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.resources: dict[str, Any] = template.get("Resources") or {}
        self.parameters: dict[str, Any] = template.get("Parameters") or {}

    def alarm_name(self, logical: str) -> str:
        props = self.resources[logical].get("Properties") or {}
        if props.get("AlarmName"):
            return str(self.resolve(props["AlarmName"]))
        digest = hashlib.sha256(logical.encode()).hexdigest()[:12].upper()
        return f"{STACK}-{logical}-{digest}"  # CloudFormation's generated name: stack, logical id, random suffix

    def ref(self, logical: str) -> str:
        pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws",
                  "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": STACK, "AWS::NoValue": ""}
        if logical in pseudo:
            return pseudo[logical]
        if logical in self.parameters:
            return str(self.parameters[logical].get("Default") or logical)
        resource = self.resources.get(logical) or {}
        kind, props = resource.get("Type", ""), resource.get("Properties") or {}
        arn = f"arn:aws:{{}}:{REGION}:{ACCOUNT}:{{}}"
        if kind == "AWS::SNS::Topic":
            return arn.format("sns", self.resolve(props.get("TopicName")) or logical)
        if kind == "AWS::CloudWatch::Alarm" or kind == "AWS::CloudWatch::CompositeAlarm":
            return self.alarm_name(logical)
        if kind == "AWS::Lambda::Alias":
            return arn.format("lambda", f"function:{self.resolve(props.get('FunctionName'))}:{props.get('Name')}")
        if kind == "AWS::Lambda::Version":
            return arn.format("lambda", f"function:{self.resolve(props.get('FunctionName'))}:1")
        if kind == "AWS::Lambda::Function":
            return str(self.resolve(props.get("FunctionName")) or logical)
        if kind == "AWS::AutoScaling::ScalingPolicy":
            group = self.resolve(props.get("AutoScalingGroupName")) or "group"
            return arn.format("autoscaling", f"scalingPolicy:{_uuid(logical)}:autoScalingGroupName/{group}:"
                                             f"policyName/{logical}")
        if kind == "AWS::ApplicationAutoScaling::ScalingPolicy":
            return arn.format("autoscaling", f"scalingPolicy:{_uuid(logical)}:resource/{logical}:"
                                             f"policyName/{props.get('PolicyName') or logical}")
        for key in ("Name", "TableName", "QueueName", "FunctionName", "BucketName", "ClusterName", "StreamName"):
            if props.get(key):
                return str(self.resolve(props[key]))
        return logical

    def get_att(self, logical: str, attribute: str) -> str:
        kind = (self.resources.get(logical) or {}).get("Type", "")
        if kind in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm") and attribute == "Arn":
            return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{self.alarm_name(logical)}"
        if kind == "AWS::Lambda::Function" and attribute == "Arn":
            return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.ref(logical)}"
        if kind == "AWS::SNS::Topic" and attribute in ("TopicArn", "Arn"):
            return self.ref(logical)
        return f"{logical}.{attribute}" if attribute.endswith("Arn") is False else (
            f"arn:aws:{kind.split('::')[1].lower() if '::' in kind else 'service'}:{REGION}:{ACCOUNT}:{logical}")

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (function, argument), = value.items()
            if function == "Ref":
                return self.ref(argument)
            if function == "Fn::GetAtt":
                logical, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.get_att(logical, attribute)
            if function == "Fn::Join":
                return str(argument[0]).join(str(self.resolve(p)) for p in self.resolve(argument[1]))
            if function == "Fn::Select":
                parts = self.resolve(argument[1])
                return parts[int(argument[0])] if int(argument[0]) < len(parts) else parts[-1]
            if function == "Fn::Split":
                return str(self.resolve(argument[1])).split(argument[0])
            if function == "Fn::Sub":
                text = argument if isinstance(argument, str) else argument[0]
                return re.sub(r"\$\{([^}]+)\}", lambda m: str(self.ref(m.group(1).split(".")[0])), text)
            if function == "Fn::ImportValue":
                return f"imported-{self.resolve(argument)}"
        return {k: self.resolve(v) for k, v in value.items()}


def _uuid(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def alarms_of(template: dict[str, Any], source: str) -> list[dict[str, Any]]:
    """The template's alarms as corpus entries: {source, type, alarm (DescribeAlarms shape), tags}."""
    resolver = Resolver(template)
    out = []
    for logical, resource in sorted(resolver.resources.items()):
        kind = resource.get("Type")
        if kind not in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"):
            continue
        props = resolver.resolve(resource.get("Properties") or {})
        props["AlarmName"] = resolver.alarm_name(logical)
        tags = props.pop("Tags", None) or []
        out.append({"source": source, "alarm": describe_shape(kind, props), "tags": tags})
    return out


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def main(argv: list[str]) -> int:
    repo = Path(argv[0])
    rev = argv[argv.index("--commit") + 1] if "--commit" in argv else "HEAD"
    commit = _git(repo, "rev-parse", rev).strip()
    paths = [p for p in _git(repo, "ls-tree", "-r", "--name-only", commit).splitlines()
             if p.startswith("test/") and p.endswith(".snap")]
    entries: list[dict[str, Any]] = []
    for path in paths:
        text = _git(repo, "show", f"{commit}:{path}")
        for match in _EXPORT.finditer(text):
            body = re.sub(r"\\([`\\$])", r"\1", match.group(2))  # Jest escapes ` \ and ${ in snapshots
            value = parse_pretty(body)
            if isinstance(value, dict) and isinstance(value.get("Resources"), dict):
                entries += alarms_of(value, f"{path} :: {match.group(1)}")
    corpus = dedupe(entries)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    document = {"source": "https://github.com/cdklabs/cdk-monitoring-constructs", "commit": commit,
                "extracted_by": "tests/import_corpus/extract_cdk.py", "alarms": corpus}
    OUT.write_text(dump_corpus(document), encoding="utf-8")
    print(f"{len(entries)} alarms in {len(paths)} snapshot files, {len(corpus)} distinct -> {OUT}")
    return 0


def dedupe(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Distinct alarms, by everything but where they were found. Two different alarms under one name (the same
    test name in two suites) get the second a `-2` suffix, so that the corpus is one account; composites of the
    same snapshot follow the rename of their children."""
    seen: set[str] = set()
    names: dict[str, int] = {}
    renames: dict[str, dict[str, str]] = {}
    out = []
    for entry in sorted(entries, key=lambda e: e["alarm"]["type"] != "MetricAlarm"):
        alarm = _renamed(entry["alarm"], renames.get(entry["source"], {}))
        identity = json.dumps({"alarm": {**alarm, "AlarmName": "", "AlarmArn": ""}, "tags": entry["tags"],
                               "name": alarm["AlarmName"]}, sort_keys=True)
        if identity in seen:
            continue
        seen.add(identity)
        name = alarm["AlarmName"]
        count = names.get(name, 0) + 1
        names[name] = count
        if count > 1:
            renames.setdefault(entry["source"], {})[name] = f"{name}-{count}"
            alarm = {**alarm, "AlarmName": f"{name}-{count}", "AlarmArn": alarm_arn(f"{name}-{count}")}
        out.append({**entry, "alarm": alarm})
    return out


def _renamed(alarm: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    """A composite with the children renamed in its snapshot renamed in its rule and suppressor too."""
    if not renames or alarm["type"] != "CompositeAlarm":
        return alarm
    out = dict(alarm)
    for old, new in renames.items():
        out["AlarmRule"] = out["AlarmRule"].replace(f":alarm:{old}\"", f":alarm:{new}\"").replace(
            f'"{old}"', f'"{new}"')
        if out.get("ActionsSuppressor") in (old, alarm_arn(old)):
            out["ActionsSuppressor"] = out["ActionsSuppressor"].replace(old, new)
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
