"""Import the corpus as one account and measure what comes back exactly.

Each corpus alarm is served by DescribeAlarms (with its tags by ListTagsForResource) from a session whose
other services are moto's. The import's files are written, validated as `vigil validate` would, planned, and
each imported alarm's CloudFormation properties (the plan's alarm shape) are compared with the original's,
names aside: alarm names, the description vigil composes around the summary, tags, metric ids (structure and
labels are compared, not the ids themselves), and SNS topics (each original topic stands for the severity
topic the import routed it to).
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.import_corpus.shapes import ACCOUNT, REGION, describe_shape, load_corpus, terraform_shape
from vigil.live.aws import AwsSession
from vigil.live.import_result import ImportOptions, ImportResult
from vigil.live.importer import import_account, write_files
from vigil.plan.alarm_shape import EXPRESSION_ID

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import_corpus"
ENV = "prod"
_REFUSED = re.compile(r"CloudWatch (refuses|allows|does not evaluate)|not a 12-digit AWS account id")
"""Skip reasons that name a rule of CloudWatch's own (the alarm could not exist in an account)."""


@dataclass(frozen=True)
class CorpusAlarm:
    """One alarm of the corpus: where it comes from, its DescribeAlarms entry and its tags."""

    origin: str
    source: str
    alarm: dict[str, Any]
    tags: list[dict[str, str]]


def corpus_alarm(name: str, **fields: Any) -> CorpusAlarm:
    """A one-metric alarm of the corpus's test account: Errors > 1 over one minute unless `fields` (CloudWatch's
    DescribeAlarms fields, and `tags`) say otherwise."""
    base = {"AlarmName": name, "MetricName": "Errors", "Namespace": "App", "Statistic": "Sum", "Period": 60,
            "EvaluationPeriods": 1, "Threshold": 1.0, "ComparisonOperator": "GreaterThanThreshold"}
    tags = fields.pop("tags", {})
    return CorpusAlarm("test", "test", describe_shape("AWS::CloudWatch::Alarm", {**base, **fields}),
                       [{"Key": k, "Value": v} for k, v in tags.items()])


def load_all() -> list[CorpusAlarm]:
    """Every alarm of the corpus files under tests/fixtures/import_corpus/."""
    alarms = []
    for path in sorted(FIXTURES.glob("*.json")):
        if path.name == "terraform.json":
            import json

            for entry in json.loads(path.read_text(encoding="utf-8"))["alarms"]:
                alarm, tags = terraform_shape(entry["resource"], entry["arguments"])
                alarms.append(CorpusAlarm(path.stem, entry["source"], alarm, tags))
            continue
        for entry in load_corpus(path)["alarms"]:
            alarms.append(CorpusAlarm(path.stem, entry["source"], entry["alarm"], entry["tags"]))
    names = Counter(a.alarm["AlarmName"] for a in alarms)
    duplicated = [n for n, count in names.items() if count > 1]
    if duplicated:
        raise ValueError(f"alarm names used twice in the corpus: {', '.join(sorted(duplicated))}")
    return alarms


class _CorpusCloudWatch:
    """moto's CloudWatch client, except that DescribeAlarms and ListTagsForResource answer from the corpus."""

    def __init__(self, client: Any, alarms: list[CorpusAlarm]) -> None:
        self._client = client
        self._alarms = alarms
        self._tags = {a.alarm["AlarmArn"]: a.tags for a in alarms}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def get_paginator(self, operation: str) -> Any:
        if operation != "describe_alarms":
            return self._client.get_paginator(operation)
        alarms = [{k: v for k, v in a.alarm.items() if k != "type"} | {"_type": a.alarm["type"]}
                  for a in self._alarms]

        class _Pages:
            def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
                pages = []
                for start in range(0, len(alarms), 100):  # DescribeAlarms returns at most 100 per page
                    chunk = alarms[start:start + 100]
                    pages.append({
                        "MetricAlarms": [_strip(a) for a in chunk if a["_type"] == "MetricAlarm"],
                        "CompositeAlarms": [_strip(a) for a in chunk if a["_type"] == "CompositeAlarm"]})
                return pages

        return _Pages()

    def list_tags_for_resource(self, ResourceARN: str) -> dict[str, Any]:
        return {"Tags": self._tags.get(ResourceARN, [])}


def _strip(alarm: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in alarm.items() if k != "_type"}


class CorpusSession(AwsSession):
    """An AwsSession (inside moto) whose account holds the corpus alarms."""

    def __init__(self, alarms: list[CorpusAlarm]) -> None:
        super().__init__(REGION)
        self._alarms = alarms

    def client(self, service: str) -> Any:
        client = super().client(service)
        return _CorpusCloudWatch(client, self._alarms) if service == "cloudwatch" else client

    def account(self) -> str:
        return ACCOUNT


@dataclass
class Measurement:
    """What became of each corpus alarm."""

    total: int = 0
    by_origin: Counter[str] = field(default_factory=Counter)
    exact: list[str] = field(default_factory=list)
    reported: dict[str, list[str]] = field(default_factory=dict)
    """Imported with a difference the report states: alarm name -> the differing fields."""
    unreported: dict[str, list[str]] = field(default_factory=dict)
    """Imported with a difference the report does not state (must be empty)."""
    skipped: dict[str, str] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)
    validation: list[str] = field(default_factory=list)
    """Problems `vigil validate` finds in the written files (must be empty)."""

    def refused(self) -> list[str]:
        """The skipped alarms that CloudWatch itself would refuse (the reason says which of its rules)."""
        return [name for name, message in self.skipped.items() if _REFUSED.search(message)]

    def skipped_by_reason(self) -> Counter[str]:
        """Skips grouped by their reason, alarm-specific values replaced by `…`."""
        return Counter(_reason(message) for message in self.skipped.values())

    def lines(self) -> list[str]:
        """The measurement as report lines."""
        exact = len(self.exact)
        origins = ", ".join(f"{origin} {count}" for origin, count in sorted(self.by_origin.items()))
        refused = self.refused()
        holdable = self.total - len(refused)
        out = [f"alarms in the corpus: {self.total} ({origins})",
               f"alarms CloudWatch would refuse (reported, not written): {len(refused)}",
               f"imported exactly: {exact} ({100 * exact / max(self.total, 1):.1f}% of the corpus, "
               f"{100 * exact / max(holdable, 1):.1f}% of the {holdable} alarms CloudWatch can hold)",
               f"imported with a reported difference: {len(self.reported)}"]
        fields = Counter(f for diffs in self.reported.values() for f in diffs)
        out += [f"  {name}: {count}" for name, count in sorted(fields.items(), key=lambda i: (-i[1], i[0]))]
        out.append(f"skipped: {len(self.skipped)}")
        out += [f"  {reason}: {count}" for reason, count in sorted(self.skipped_by_reason().items(),
                                                                     key=lambda i: (-i[1], i[0]))]
        out.append(f"lost: {len(self.lost)}" + (f" ({', '.join(self.lost[:10])})" if self.lost else ""))
        out.append(f"imported with a difference not reported: {len(self.unreported)}")
        out += [f"  {name}: {', '.join(diffs)}" for name, diffs in sorted(self.unreported.items())[:20]]
        out.append(f"validation problems in the written files: {len(self.validation)}")
        out += [f"  {line}" for line in self.validation[:20]]
        return out


def _reason(message: str) -> str:
    text = re.sub(r'"[^"]*"', "…", message)
    return re.sub(r"\b\d+(\.\d+)?\b", "N", text)


def measure(alarms: list[CorpusAlarm], root: Path | None = None,
            properties: Callable[..., dict[str, Any]] | None = None) -> tuple[Measurement, ImportResult]:
    """Import `alarms` (inside moto) into `root` (default: a temporary directory) and compare."""
    from moto import mock_aws

    with mock_aws(), tempfile.TemporaryDirectory(prefix="vigil-corpus-") as scratch:
        result = import_account(CorpusSession(alarms), ImportOptions(env=ENV))
        out = root or Path(scratch)
        write_files(result, out, force=True)
        return compare(alarms, result, out, properties), result


def compare(alarms: list[CorpusAlarm], result: ImportResult, root: Path,
            properties: Callable[..., dict[str, Any]] | None = None) -> Measurement:
    """Classify every corpus alarm against the files the import wrote under `root`."""
    from vigil.plan.resolve import plan_workspace
    from vigil.spec.errors import SpecError
    from vigil.spec.workspace import read_sources

    if properties is None:
        from vigil.plan.alarm_shape import alarm_properties as properties
    measurement = Measurement(total=len(alarms), by_origin=Counter(a.origin for a in alarms))
    try:
        plan = plan_workspace(read_sources(root))
    except SpecError as error:
        measurement.validation = [str(p) for p in error.problems]
        plan = None
    planned = {a.name: a for e in (plan.environments if plan else ()) for s in e.services for a in s.alarms}
    approximated = {n.subject for n in result.notes if n.kind == "approximated"}
    skipped = {n.subject: n.message for n in result.notes if n.kind == "skipped"}
    renamed = dict(result.names)
    for corpus in alarms:
        name = corpus.alarm["AlarmName"]
        if name in skipped and name not in renamed:
            measurement.skipped[name] = skipped[name]
            continue
        alarm = planned.get(renamed.get(name, ""))
        if alarm is None:
            measurement.lost.append(name)
            continue
        mine = properties(alarm, {t: t for t in (*alarm.alarm_actions, *alarm.ok_actions,
                                                  *getattr(alarm, "insufficient_data_actions", ()))}, [])
        differences = differing_fields(corpus.alarm, mine, lambda arn: _topic(result, arn), renamed)
        if not differences:
            measurement.exact.append(name)
        elif name in approximated:
            measurement.reported[name] = differences
        else:
            measurement.unreported[name] = differences
    return measurement


def _topic(result: ImportResult, arn: str) -> str:
    severity = result.topics.get(arn)
    return f"vigil-{ENV}-{severity}" if severity else arn


def differing_fields(original: dict[str, Any], deployed: dict[str, Any], topic: Callable[[str], str],
                     names: dict[str, str]) -> list[str]:
    """The fields in which `deployed` (CloudFormation properties) differs from `original` (DescribeAlarms)."""
    want = canonical(original, topic, names)
    got = canonical(_unlabelled_like(deployed, original), lambda t: t, {})
    if "AlarmDescription" in original:
        want["Summary"] = original["AlarmDescription"]
        got["Summary"] = original["AlarmDescription"] if (
            f"Summary: {original['AlarmDescription']}\n" in deployed.get("AlarmDescription", "")) else "(changed)"
    return sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))


def _unlabelled_like(deployed: dict[str, Any], original: dict[str, Any]) -> dict[str, Any]:
    """`deployed` without the label vigil gives the expression an alarm returns (its key) when the original's
    had none: a display name CloudWatch otherwise fills in, not behaviour (the README says so)."""
    queries = original.get("Metrics") or []
    band = original.get("ThresholdMetricId")
    returned = [q for q in queries if q.get("Expression") and q.get("ReturnData", True) and q["Id"] != band]
    if not returned or returned[0].get("Label") or not deployed.get("Metrics"):
        return deployed
    metrics = [{k: v for k, v in q.items() if k != "Label"} if q.get("Id") == EXPRESSION_ID else q
               for q in deployed["Metrics"]]
    return {**deployed, "Metrics": metrics}


def canonical(props: dict[str, Any], topic: Callable[[str], str], names: dict[str, str]) -> dict[str, Any]:
    """An alarm's behaviour with names aside: actions by state (SNS topics through `topic`), and for a metric
    alarm its condition and its metrics, each query named by its content instead of its id."""
    out: dict[str, Any] = {"ActionsEnabled": props.get("ActionsEnabled", True)}
    for state in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        out[state] = sorted({topic(a) if ":sns:" in a else a for a in props.get(state) or []})
    if "AlarmRule" in props:
        out["AlarmRule"] = _rule(props["AlarmRule"], names)
        if props.get("ActionsSuppressor"):
            suppressor = props["ActionsSuppressor"].split(":alarm:")[-1]
            out.update(ActionsSuppressor=names.get(suppressor, suppressor),
                       ActionsSuppressorWaitPeriod=props.get("ActionsSuppressorWaitPeriod"),
                       ActionsSuppressorExtensionPeriod=props.get("ActionsSuppressorExtensionPeriod"))
        return out
    evaluation = props.get("EvaluationPeriods")
    out.update(ComparisonOperator=props.get("ComparisonOperator"), EvaluationPeriods=evaluation,
               DatapointsToAlarm=props.get("DatapointsToAlarm") or evaluation,
               TreatMissingData=props.get("TreatMissingData") or "missing", Threshold=props.get("Threshold"),
               EvaluateLowSampleCountPercentile=props.get("EvaluateLowSampleCountPercentile") or None,
               Unit=props.get("Unit"))
    queries = props.get("Metrics")
    if queries and len(queries) == 1 and "MetricStat" in queries[0] and not queries[0].get("Label") \
            and not queries[0].get("AccountId") and queries[0].get("ReturnData", True):
        stat = queries[0]["MetricStat"]
        props = {**stat["Metric"], "Period": stat["Period"], "Statistic": stat["Stat"], "Unit": stat.get("Unit")}
        out["Unit"] = out["Unit"] or props["Unit"]
        queries = None
    if queries:
        ids = _content_ids(queries)
        out["Metrics"] = sorted(ids.values())
        out["ThresholdMetricId"] = ids.get(props.get("ThresholdMetricId", ""))
    else:
        out["Metric"] = (props.get("Namespace"), props.get("MetricName"), _dimensions(props.get("Dimensions")),
                         props.get("Period"), props.get("Statistic") or props.get("ExtendedStatistic"))
    return out


def _dimensions(dimensions: list[dict[str, str]] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((d["Name"], d["Value"]) for d in dimensions or []))


def _content_ids(queries: list[dict[str, Any]]) -> dict[str, str]:
    """Each query's id -> a text naming it by content: a metric by what it measures, an expression by its text
    with the ids it uses replaced by their content (whitespace outside strings removed)."""
    by_id = {q["Id"]: q for q in queries}
    named: dict[str, str] = {}

    def name(query_id: str, depth: int = 0) -> str:
        if query_id in named:
            return named[query_id]
        query = by_id[query_id]
        extra = (f"label={query.get('Label')}", f"return={query.get('ReturnData', True)}",
                 f"account={query.get('AccountId')}", f"period={query.get('Period')}")
        if "MetricStat" in query:
            stat = query["MetricStat"]
            metric = stat["Metric"]
            text = (f"metric({metric.get('Namespace')},{metric.get('MetricName')},"
                    f"{_dimensions(metric.get('Dimensions'))},{stat.get('Period')},{stat.get('Stat')},"
                    f"{stat.get('Unit')},{','.join(extra)})")
        else:
            expression = _squeeze(query.get("Expression", ""))
            if depth < 10:
                expression = re.sub(r"\b[a-z][a-zA-Z0-9_]*\b", lambda m: name(m.group(0), depth + 1)
                                    if m.group(0) in by_id and m.group(0) != query_id else m.group(0), expression)
            text = f"expr({expression},{','.join(extra)})"
        named[query_id] = text
        return text

    return {query_id: name(query_id) for query_id in by_id}


def _squeeze(expression: str) -> str:
    parts = re.split(r'("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')', expression)
    return "".join(p if i % 2 else re.sub(r"\s+", "", p) for i, p in enumerate(parts))


def _rule(rule: str, names: dict[str, str]) -> str:
    def reference(match: re.Match[str]) -> str:
        name = match.group(3).strip().split(":alarm:")[-1]
        return f"{match.group(1)}({names.get(name, name)})"

    return _squeeze(re.sub(r'\b(ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*("?)([^()"]*?)\2\s*\)', reference, rule))
