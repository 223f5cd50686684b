"""`python -m vigil import`: read an account's existing monitoring and write vigil spec files.

Metric and composite alarms become `alarm_specs/<service>.yaml` files, their SNS actions an
`environments/<env>.yaml` skeleton with routes and channel placeholders. Services come from a tag (default keys
`service`, `Service`, `app`), then from configured name prefixes, then from vigil's own `{env}-{service}-{key}`
naming, then from the first word of the name. Values are kept exactly; whatever vigil cannot express is listed
in the report as skipped (not written) or approximated (written, with the difference stated), never dropped
silently. Log groups with their metric filters and X-Ray groups join the service files
(vigil/live/import_logs.py); dashboards whose body the dashboard spec can express become dashboards/<name>.yaml
(vigil/live/import_dashboards.py).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

from vigil.live.aws import AwsSession, Progress, no_progress, pages
from vigil.live.import_dashboards import read_dashboards
from vigil.live.import_logs import read_log_groups, read_xray_groups
from vigil.live.import_result import (
    ImportedAlarm,
    ImportOptions,
    ImportResult,
    service_name,
    spec_key,
    spec_yaml,
)
from vigil.plan import naming
from vigil.plan.alarm_shape import DEFAULT_PERIOD, EXPRESSION_ID
from vigil.plan.expressions import metric_ids, rule_syntax_error
from vigil.plan.limits import MAX_METRICS_PER_ALARM
from vigil.presets.recognise import recognise
from vigil.spec.durations import format_duration
from vigil.spec.types import ANOMALY_DIRECTIONS, SEVERITIES, SYMBOLS, Severity, parse_stat

OWNER_TAGS = ("owner", "Owner", "team", "Team")
PLACEHOLDER_OWNER = "CHANGE-ME"
SUMMARY_MAX = 512

_MISSING = {"missing": "missing", "notBreaching": "not_breaching", "breaching": "breaching", "ignore": "ignore"}
_BAND = re.compile(r"^\s*ANOMALY_DETECTION_BAND\s*\(\s*([a-z][a-zA-Z0-9_]*)\s*(?:,\s*([0-9.]+)\s*)?\)\s*$")
_STATE_CALL = re.compile(r'\b(ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*("?)([^()"]*?)\2\s*\)')
_SEVERITY_WORDS: tuple[tuple[Severity, re.Pattern[str]], ...] = (
    ("critical", re.compile(r"crit|page|pager|urgent|sev-?1|p1\b|high|emergency", re.I)),
    ("warning", re.compile(r"warn|sev-?2|p2\b|medium", re.I)),
    ("info", re.compile(r"info|notice|low|sev-?3|p3\b|email|digest", re.I)),
)
_SEVERITY_RANK = {severity: index for index, severity in enumerate(SEVERITIES)}


def import_account(session: AwsSession, options: ImportOptions, progress: Progress = no_progress) -> ImportResult:
    """Read the account behind `session` and build the spec files for environment `options.env`."""
    account = options.account or session.account()
    result = ImportResult(options.env, account, session.region)
    cloudwatch = session.client("cloudwatch")
    metric_alarms: list[dict[str, Any]] = []
    composite_alarms: list[dict[str, Any]] = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm", "CompositeAlarm"]):
        metric_alarms += page.get("MetricAlarms", [])
        composite_alarms += page.get("CompositeAlarms", [])
        progress(f"import: read {len(metric_alarms)} metric and {len(composite_alarms)} composite alarms")
    result.counts.update(metric_alarms=len(metric_alarms), composite_alarms=len(composite_alarms))
    tags = _alarm_tags(cloudwatch, [*metric_alarms, *composite_alarms], progress)
    topics = _TopicRouting(session, options, result)
    builder = _SpecBuilder(options, result, topics, tags)
    for alarm in sorted(metric_alarms, key=lambda a: a["AlarmName"]):
        builder.metric_alarm(alarm)
    builder.composite_alarms(sorted(composite_alarms, key=lambda a: a["AlarmName"]))
    services = {a.service for a in builder.alarms.values()}
    sections: dict[str, dict[str, Any]] = {}
    for reader in (read_log_groups, read_xray_groups):
        reader(session, options, result, services, sections, progress)
    builder.write_services(sections)
    result.files[f"environments/{options.env}.yaml"] = topics.environment_file(options.env, account,
                                                                                session.region)
    read_dashboards(session, options, result, builder.alarms, progress)
    return result


def write_files(result: ImportResult, root: Path, *, force: bool = False) -> list[Path]:
    """Write the import's files under `root`; refuses to overwrite an existing file unless `force`."""
    targets = [(root / relative, text) for relative, text in sorted(result.files.items())]
    existing = [str(path) for path, _ in targets if path.exists()]
    if existing and not force:
        raise FileExistsError(f"would overwrite {', '.join(existing)}; use --force or another --out")
    for path, text in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return [path for path, _ in targets]


def _alarm_tags(cloudwatch: Any, alarms: list[dict[str, Any]], progress: Progress) -> dict[str, dict[str, str]]:
    tags: dict[str, dict[str, str]] = {}
    for index, alarm in enumerate(alarms, 1):
        response = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])
        tags[alarm["AlarmName"]] = {t["Key"]: t["Value"] for t in response.get("Tags", [])}
        if index % 50 == 0 or index == len(alarms):
            progress(f"import: read the tags of {index}/{len(alarms)} alarms")
    return tags


class _TopicRouting:
    """Maps SNS topics to severities and their subscriptions to channels of the environment skeleton."""

    def __init__(self, session: AwsSession, options: ImportOptions, result: ImportResult) -> None:
        self.session = session
        self.options = options
        self.result = result
        self.severities: dict[str, Severity] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.routes: dict[Severity, list[str]] = {}
        self.todo: list[str] = []

    def severity(self, arn: str) -> Severity:
        """The severity of alarms notifying topic `arn` (read and routed on first use)."""
        if arn not in self.severities:
            name = arn.rsplit(":", 1)[-1]
            severity = self.options.topic_severities.get(name)
            if severity is None:
                severity = next((s for s, words in _SEVERITY_WORDS if words.search(name)), None)
            if severity is None:
                severity = "warning"
                self.result.note("approximated", f"topic {name}", "severity not evident from the name; "
                                 "routed as warning (set it with --topic-severity NAME=SEVERITY)")
            self.severities[arn] = severity
            self._route(arn, name, severity)
        return self.severities[arn]

    def _route(self, arn: str, name: str, severity: Severity) -> None:
        routes = self.routes.setdefault(severity, [])
        try:
            subscriptions = list(pages(self.session.client("sns"), "list_subscriptions_by_topic", "Subscriptions",
                                       TopicArn=arn))
        except Exception as error:
            self.result.note("todo", f"topic {name}", f"could not read its subscriptions ({error}); add its "
                             f"channels to routes.{severity} by hand")
            return
        if not subscriptions:
            self.result.note("todo", f"topic {name}", f"has no subscriptions: its {severity} alarms notified nobody")
        for subscription in sorted(subscriptions, key=lambda s: (s["Protocol"], s["Endpoint"])):
            channel = self._channel(name, subscription)
            if channel is None:
                continue
            channel_name, spec = channel
            if channel_name not in self.channels:
                self.channels[channel_name] = spec
            if channel_name not in routes:
                routes.append(channel_name)

    def _channel(self, topic: str, subscription: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        protocol, endpoint = subscription["Protocol"], subscription["Endpoint"]
        base = spec_key(topic)
        if protocol == "email":
            return f"email-{base}-{spec_key(endpoint.split('@')[0])}", {"type": "email", "address": endpoint}
        if protocol == "https" and "events.pagerduty.com" in endpoint:
            name = f"pagerduty-{base}"
            self.result.note("todo", f"channel {name}", f"store the PagerDuty integration key of topic {topic} in "
                             f"Secrets Manager as CHANGE-ME/{name} (or rename the reference); it is not copied")
            return name, {"type": "pagerduty", "integration_key": {"secret": f"CHANGE-ME/{name}"}}
        if protocol in ("https", "lambda") and ("chatbot" in endpoint or protocol == "lambda"):
            name = f"slack-{base}"
            via = "AWS Chatbot" if "chatbot" in endpoint else f"function {endpoint.rsplit(':', 1)[-1]}"
            self.result.note("todo", f"channel {name}", f"topic {topic} notified {via}: set workspace_id and "
                             "channel_id for AWS Chatbot, or store the Slack webhook URL as the secret "
                             f"CHANGE-ME/{name}")
            return name, {"type": "slack", "webhook": {"secret": f"CHANGE-ME/{name}"}}
        self.result.note("skipped", f"subscription {protocol}:{_redact(endpoint)} of topic {topic}",
                         "vigil has no channel for this protocol (channels: pagerduty, slack, email)")
        return None

    def environment_file(self, env: str, account: str, region: str) -> str:
        document: dict[str, Any] = {
            "version": 1, "name": env, "account": account, "region": region,
            "routes": {s: self.routes[s] for s in SEVERITIES if self.routes.get(s)},
            "channels": dict(sorted(self.channels.items())),
        }
        header = (f"Imported from account {account}, {region} by `python -m vigil import`. Channels come from the "
                  "subscriptions of the topics the alarms notified; secrets are CHANGE-ME placeholders.")
        return spec_yaml(document, header)


class _SpecBuilder:
    """Turns describe_alarms entries into spec entries grouped by service."""

    def __init__(self, options: ImportOptions, result: ImportResult, topics: _TopicRouting,
                 tags: dict[str, dict[str, str]]) -> None:
        self.options = options
        self.result = result
        self.topics = topics
        self.tags = tags
        self.alarms: dict[str, ImportedAlarm] = {}
        self.keys: dict[str, set[str]] = {}

    def _place(self, alarm: dict[str, Any], service: str | None = None) -> tuple[str, str]:
        name = alarm["AlarmName"]
        env = self.options.env
        rest = naming.without_env_prefix(env, name)
        tags = self.tags.get(name, {})
        prefix = ""
        if service is None:
            service = next((service_name(tags[t]) for t in self.options.service_tags if tags.get(t)), None)
        if service is None:
            for candidate in sorted(self.options.prefixes, key=len, reverse=True):
                if rest.startswith(candidate):
                    service, prefix = self.options.prefixes[candidate], candidate
                    break
        if service is None:
            head = re.split(r"[-_./ ]", rest, maxsplit=1)
            service = service_name(head[0]) if len(head) == 2 else None
        service = service or self.options.default_service
        if not prefix and rest.lower().startswith(service):
            prefix = service
        stripped = rest[len(prefix):].lstrip("-_./ ") if prefix else rest
        key = spec_key(stripped or rest)
        used = self.keys.setdefault(service, set())
        unique, number = key, 2
        while unique in used:
            unique, number = f"{key[:120]}-{number}", number + 1
        used.add(unique)
        return service, unique

    def _severity(self, alarm: dict[str, Any]) -> Severity | None:
        name = alarm["AlarmName"]
        actions = alarm.get("AlarmActions", [])
        sns = [a for a in actions if ":sns:" in a]
        for other in (a for a in actions if ":sns:" not in a):
            self.result.note("approximated", name, f"alarm action {other} dropped: vigil routes alarms to SNS "
                                                   "severity topics only")
        if alarm.get("InsufficientDataActions"):
            self.result.note("approximated", name, "INSUFFICIENT_DATA actions dropped: vigil notifies on ALARM "
                                                   "and OK")
        if not alarm.get("ActionsEnabled", True):
            self.result.note("approximated", name, "actions were disabled; vigil deploys alarms with actions "
                                                   "enabled")
        if not sns:
            self.result.note("approximated", name, "notified nobody; imported as severity info")
            return "info"
        severities = sorted({self.topics.severity(arn) for arn in sns}, key=_SEVERITY_RANK.__getitem__)
        if len(severities) > 1:
            self.result.note("approximated", name, f"notified topics of severities {', '.join(severities)}; "
                                                   f"imported as {severities[0]}")
        severity = severities[0]
        ok = [a for a in alarm.get("OKActions", []) if ":sns:" in a]
        if bool(ok) != (severity != "info"):
            had = "OK notifications" if ok else "no OK notifications"
            gets = "sends OK notifications" if severity != "info" else "sends no OK notifications"
            self.result.note("approximated", name, f"had {had}; as a {severity} alarm it {gets}")
        return severity

    def _skip(self, alarm: dict[str, Any], reason: str) -> None:
        self.result.note("skipped", alarm["AlarmName"], reason)

    def metric_alarm(self, alarm: dict[str, Any]) -> None:
        name = alarm["AlarmName"]
        entry: dict[str, Any] = {}
        namespaces: list[str] = []
        periods: list[int] = []
        for unsupported, why in (("Unit", "a unit"), ("EvaluateLowSampleCountPercentile",
                                                      "low-sample-count percentile evaluation")):
            if alarm.get(unsupported):
                self.result.note("approximated", name, f"{why} ({alarm[unsupported]}) dropped: not in the spec "
                                                       "format")
        if alarm.get("MetricName"):
            if alarm.get("ThresholdMetricId"):
                return self._skip(alarm, "a threshold metric id on a single-metric alarm")
            stat = _stat(alarm.get("Statistic") or alarm.get("ExtendedStatistic"))
            if stat is None:
                return self._skip(alarm, f"statistic {alarm.get('Statistic') or alarm.get('ExtendedStatistic')} "
                                         "is not one vigil accepts")
            entry.update(metric=alarm["MetricName"], namespace=alarm["Namespace"], stat=stat)
            dimensions = _dimensions(alarm.get("Dimensions"))
            if dimensions:
                entry["dimensions"] = dimensions
            namespaces.append(alarm["Namespace"])
            periods.append(int(alarm["Period"]))
            entry["period"] = int(alarm["Period"])
        else:
            shape = self._metrics(alarm, entry, namespaces, periods)
            if shape is not None:
                return self._skip(alarm, shape)
        operator = alarm.get("ComparisonOperator", "")
        if "anomaly" in entry:
            if operator not in ANOMALY_DIRECTIONS:
                return self._skip(alarm, f"comparison {operator} with an anomaly band")
            entry["anomaly"]["direction"] = ANOMALY_DIRECTIONS[operator]
        else:
            if operator not in SYMBOLS:
                return self._skip(alarm, f"comparison {operator} without an anomaly band")
            threshold = alarm.get("Threshold")
            if threshold is None or not math.isfinite(float(threshold)):
                return self._skip(alarm, f"threshold {threshold} is not a finite number")
            entry["threshold"] = f"{SYMBOLS[operator]} {_number(float(threshold))}"
        evaluation = int(alarm["EvaluationPeriods"])
        entry["evaluation_periods"] = evaluation
        datapoints = int(alarm.get("DatapointsToAlarm") or evaluation)
        if datapoints != evaluation:
            entry["datapoints_to_alarm"] = datapoints
        missing = alarm.get("TreatMissingData") or "missing"
        if missing not in _MISSING:
            return self._skip(alarm, f"missing-data treatment {missing}")
        if missing != "missing":
            entry["missing_data"] = _MISSING[missing]
        self._add(alarm, entry, namespaces, periods)
        return None

    def _metrics(self, alarm: dict[str, Any], entry: dict[str, Any], namespaces: list[str],
                 periods: list[int]) -> str | None:
        """Fill `entry` from an alarm's Metrics; return why it cannot be expressed, or None."""
        queries = alarm.get("Metrics") or []
        expressions = [q for q in queries if q.get("Expression")]
        stats = [q for q in queries if q.get("MetricStat")]
        if len(expressions) != 1 or len(expressions) + len(stats) != len(queries):
            return (f"metric math with {len(expressions)} expressions; vigil alarms have one expression over "
                    "plain metrics")
        if any(q.get("AccountId") for q in queries):
            return "a cross-account metric (AccountId)"
        if len(stats) > MAX_METRICS_PER_ALARM:
            return f"{len(stats)} metrics; vigil allows {MAX_METRICS_PER_ALARM} per alarm"
        expression = expressions[0]
        metrics: dict[str, Any] = {}
        for query in stats:
            stat_block = query["MetricStat"]
            metric = stat_block["Metric"]
            stat = _stat(stat_block.get("Stat"))
            if stat is None:
                return f"statistic {stat_block.get('Stat')} is not one vigil accepts"
            if not re.match(r"^[a-z][a-zA-Z0-9_]{0,254}$", query["Id"]) or query["Id"] == EXPRESSION_ID:
                return f'metric id "{query["Id"]}" cannot be kept ("{EXPRESSION_ID}" is reserved)'
            if stat_block.get("Unit"):
                self.result.note("approximated", alarm["AlarmName"], f"unit {stat_block['Unit']} of metric "
                                 f"{query['Id']} dropped: not in the spec format")
            spec: dict[str, Any] = {"metric": metric["MetricName"], "namespace": metric["Namespace"], "stat": stat}
            dimensions = _dimensions(metric.get("Dimensions"))
            if dimensions:
                spec["dimensions"] = dimensions
            spec["period"] = int(stat_block["Period"])
            metrics[query["Id"]] = spec
            namespaces.append(metric["Namespace"])
            periods.append(int(stat_block["Period"]))
        band = _BAND.match(expression["Expression"])
        if band:
            if alarm.get("ThresholdMetricId") != expression["Id"]:
                return "an anomaly band that is not the alarm's threshold"
            if len(metrics) != 1 or band.group(1) not in metrics:
                return "an anomaly band over metric math; vigil bands a single metric"
            (spec,) = metrics.values()
            entry.update({k: v for k, v in spec.items() if k != "period"}, period=spec["period"])
            entry["anomaly"] = {"band": _number(float(band.group(2) or 2), as_text=False)}
            return None
        if alarm.get("ThresholdMetricId"):
            return "a threshold metric id on metric math (only anomaly bands are supported)"
        unknown = [i for i in metric_ids(expression["Expression"]) if i not in metrics]
        if unknown:
            return f"the expression refers to {', '.join(unknown)}, which are not plain metrics of the alarm"
        if expression.get("Period"):
            return "a period on the expression itself"
        labels = [q["Id"] for q in queries if q.get("Label") and q is not expression]
        if labels:
            self.result.note("approximated", alarm["AlarmName"], f"labels of {', '.join(labels)} dropped")
        period = periods[0] if periods else DEFAULT_PERIOD
        for spec in metrics.values():
            if spec["period"] == period:
                del spec["period"]
        entry.update(expression=expression["Expression"], metrics=metrics, period=period)
        return None

    def _add(self, alarm: dict[str, Any], entry: dict[str, Any], namespaces: list[str], periods: list[int],
             service: str | None = None) -> None:
        severity = self._severity(alarm)
        if severity is None:
            return
        service, key = self._place(alarm, service)
        head: dict[str, Any] = {"severity": severity}
        description = alarm.get("AlarmDescription") or ""
        if description:
            if len(description) > SUMMARY_MAX:
                self.result.note("approximated", alarm["AlarmName"], f"description shortened to {SUMMARY_MAX} "
                                                                     "characters (the summary's limit)")
            head["summary"] = description[:SUMMARY_MAX]
        self.alarms[alarm["AlarmName"]] = ImportedAlarm(alarm, service, key, severity, {**head, **entry}, namespaces,
                                                 periods)
        deployed = naming.alarm_name(self.options.env, service, key)
        self.result.names[alarm["AlarmName"]] = deployed
        if deployed != alarm["AlarmName"]:
            self.result.note("renamed", alarm["AlarmName"], f"deployed as {deployed} (service {service}, key {key}); "
                                                            "delete the original once the new one is deployed")

    def composite_alarms(self, composites: list[dict[str, Any]]) -> None:
        pending = {c["AlarmName"]: c for c in composites}
        progress = True
        while pending and progress:  # composites over composites: place children first
            progress = False
            for name, alarm in list(pending.items()):
                children = [_reference_name(r) for r in _references(alarm.get("AlarmRule", ""))]
                if any(c in pending for c in children if c != name):
                    continue
                del pending[name]
                progress = True
                self._composite(alarm, children)
        for alarm in pending.values():
            self._skip(alarm, "its rule refers to composite alarms in a cycle")

    def _composite(self, alarm: dict[str, Any], children: list[str]) -> None:
        rule = alarm.get("AlarmRule", "")
        missing = [c for c in children if c not in self.alarms]
        if missing:
            return self._skip(alarm, f"its rule refers to alarms that were not imported: {', '.join(missing)}")
        services = {self.alarms[c].service for c in children}
        if len(services) != 1:
            return self._skip(alarm, f"its rule spans services {', '.join(sorted(services))}; vigil composites "
                                     "combine alarms of one service")
        if alarm.get("ActionsSuppressor"):
            self.result.note("approximated", alarm["AlarmName"], f"actions suppressor {alarm['ActionsSuppressor']} "
                                                                 "dropped: not in the spec format")
        rewritten = _STATE_CALL.sub(lambda m: f"{m.group(1)}({self.alarms[_reference_name(m.group(3))].key})", rule)
        if rule_syntax_error(rewritten):
            return self._skip(alarm, f"rule not understood: {rule_syntax_error(rewritten)}")
        self._add(alarm, {"composite": rewritten}, [], [], service=services.pop())
        return None

    def write_services(self, sections: dict[str, dict[str, Any]] | None = None) -> None:
        """One file per service: its alarms and `sections` (log_groups, tracing) by service."""
        sections = sections or {}
        by_service: dict[str, list[ImportedAlarm]] = {service: [] for service in sections}
        for alarm in self.alarms.values():
            by_service.setdefault(alarm.service, []).append(alarm)
        for service, alarms in sorted(by_service.items()):
            namespace = _most_common(n for a in alarms for n in a.namespaces)
            period = _most_common(p for a in alarms for p in a.periods) or DEFAULT_PERIOD
            owners = {self.tags.get(a.original["AlarmName"], {}).get(t) for a in alarms for t in OWNER_TAGS} - {None}
            owner = sorted(owners)[0] if len(owners) == 1 else PLACEHOLDER_OWNER
            if owner == PLACEHOLDER_OWNER:
                self.result.note("todo", f"service {service}", "set owner (no single owner tag on its alarms)")
            defaults: dict[str, Any] = {}
            if namespace:
                defaults["namespace"] = namespace
            if period != DEFAULT_PERIOD:
                defaults["period"] = format_duration(period)
            recognised = recognise({a.key: a.entry for a in sorted(alarms, key=lambda a: a.key)})
            by_key = {a.key: a for a in alarms}
            for old, new in recognised.replaced.items():  # vigil/presets/recognise.py
                by_key[old].key = new  # dashboards refer to it by its new key
                deployed = naming.alarm_name(self.options.env, service, new)
                self.result.names[by_key[old].original["AlarmName"]] = deployed
                self.result.note("preset", by_key[old].original["AlarmName"], f"written as the resource preset "
                                                                              f"alarm {new}, deployed as {deployed}")
            entries = {key: _with_defaults(entry, namespace, period) for key, entry in recognised.alarms.items()}
            document: dict[str, Any] = {"version": 1, "service": service, "owner": owner}
            if defaults:
                document["defaults"] = defaults
            if recognised.resources:
                document["resources"] = recognised.resources
            if entries:
                document["alarms"] = entries
            for section, value in sections.get(service, {}).items():
                document[section] = _without_namespace(value, namespace) if section == "log_groups" else value
            header = (f"Imported from account {self.result.account}, {self.result.region}, environment "
                      f"{self.result.env} by `python -m vigil import`.")
            self.result.files[f"alarm_specs/{service}.yaml"] = spec_yaml(document, header)


def _without_namespace(log_groups: dict[str, Any], namespace: str | None) -> dict[str, Any]:
    """Metric filters publish to the service's defaults.namespace unless they name another."""
    out = {}
    for name, group in log_groups.items():
        filters = {key: {k: v for k, v in entry.items() if not (k == "namespace" and v == namespace)}
                   for key, entry in group.get("metric_filters", {}).items()}
        out[name] = {**group, "metric_filters": filters} if filters else group
    return out


def _with_defaults(entry: dict[str, Any], namespace: str | None, period: int) -> dict[str, Any]:
    out = dict(entry)
    if out.get("namespace") == namespace:
        del out["namespace"]
    if "period" in out:
        out["period"] = None if out["period"] == period else format_duration(out["period"])
    if out.get("metrics"):
        metrics = {}
        for metric_id, spec in out["metrics"].items():
            spec = dict(spec)
            if spec.get("namespace") == namespace:
                del spec["namespace"]
            if "period" in spec:
                spec["period"] = format_duration(spec["period"])
            metrics[metric_id] = spec
        out["metrics"] = metrics
    return {k: v for k, v in out.items() if v is not None}


def _references(rule: str) -> list[str]:
    return [m.group(3).strip() for m in _STATE_CALL.finditer(rule)]


def _reference_name(reference: str) -> str:
    """An alarm name from a composite rule reference, which may be the name or the alarm's ARN."""
    return reference.split(":alarm:", 1)[1] if ":alarm:" in reference else reference.strip()


def _stat(value: str | None) -> str | None:
    try:
        return parse_stat(value)
    except ValueError:
        return None


def _dimensions(dimensions: list[dict[str, str]] | None) -> dict[str, str]:
    return {d["Name"]: d["Value"] for d in sorted(dimensions or [], key=lambda d: d["Name"])}


def _number(value: float, *, as_text: bool = True) -> Any:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value)) if as_text else int(value)
    return repr(value) if as_text else value


def _most_common(values: Any) -> Any:
    counts = Counter(values)
    return min(counts, key=lambda v: (-counts[v], str(v))) if counts else None


def _redact(endpoint: str) -> str:
    return re.sub(r"(https?://[^/]+).*", r"\1/...", endpoint)


def result_data(result: ImportResult) -> dict[str, Any]:
    """A JSON-ready view of an import: counts, files, renames and notes."""
    return {
        "environment": result.env, "account": result.account, "region": result.region, "counts": result.counts,
        "files": sorted(result.files), "names": result.names,
        "notes": [{"kind": n.kind, "subject": n.subject, "message": n.message} for n in result.notes],
    }


def render(result: ImportResult, output: str) -> str:
    """The import report as text, markdown or json."""
    if output == "json":
        return json.dumps(result_data(result), indent=2, sort_keys=True)
    imported = len(result.names)
    read = result.counts.get("metric_alarms", 0) + result.counts.get("composite_alarms", 0)
    summary = (f"Imported {imported} of {read} alarms from account {result.account}, {result.region} for "
               f"environment {result.env} into {len(result.files)} files.")
    order = ("skipped", "approximated", "renamed", "preset", "not-imported", "todo")
    grouped = {kind: [n for n in result.notes if n.kind == kind] for kind in order}
    if output == "markdown":
        lines = [f"### vigil import: `{result.env}`", "", summary, "", "Files: " +
                 ", ".join(f"`{f}`" for f in sorted(result.files))]
        for kind, notes in grouped.items():
            if notes:
                lines += ["", f"#### {kind} ({len(notes)})", "", "| subject | detail |", "| --- | --- |"]
                lines += [f"| `{n.subject}` | {n.message.replace('|', chr(92) + '|')} |" for n in notes]
        return "\n".join(lines)
    lines = [summary, "Files:"] + [f"  {f}" for f in sorted(result.files)]
    for kind, notes in grouped.items():
        if notes:
            lines += ["", f"{kind} ({len(notes)}):"] + [f"  {n.subject}: {n.message}" for n in notes]
    return "\n".join(lines)
