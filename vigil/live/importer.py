"""`python -m vigil import`: read an account's existing monitoring and write vigil spec files.

Metric and composite alarms become `alarm_specs/<service>.yaml` files, their SNS actions an
`environments/<env>.yaml` skeleton with routes and channel placeholders. The steps, each in its module: where an
alarm goes and its key (vigil/live/import_services.py), what it watches (vigil/live/import_metrics.py), its
severity, notify states, actions and composite rule (here), checking the files as `vigil validate` would and
leaving out what it refuses (vigil/live/import_check.py), and the report (vigil/live/import_report.py). Values are
kept exactly; whatever vigil cannot express is listed in the report as skipped (not written) or approximated
(written, with the difference stated), never dropped silently. Log groups with their metric filters and X-Ray
groups join the service files (vigil/live/import_logs.py); dashboards whose body the dashboard spec can express
become dashboards/<name>.yaml (vigil/live/import_dashboards.py).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vigil import naming
from vigil.expressions import rule_references, rule_syntax_error
from vigil.live.aws import AwsSession, Progress, no_progress, pages
from vigil.live.import_check import check_files
from vigil.live.import_dashboards import read_dashboards
from vigil.live.import_logs import read_log_groups, read_xray_groups
from vigil.live.import_metrics import NotExpressible, watched_fields
from vigil.live.import_result import (
    ImportedAlarm,
    ImportOptions,
    ImportResult,
    spec_key,
    spec_yaml,
)
from vigil.live.import_services import ServicePlacer
from vigil.plan import shards
from vigil.plan.alarm_shape import DEFAULT_PERIOD
from vigil.plan.alarms import DEFAULT_NOTIFY
from vigil.plan.describe import parse_description
from vigil.presets.recognise import recognise
from vigil.spec.alarm_options import ACTION_ARN_PATTERN, NOTIFY_STATES, NotifyState
from vigil.spec.durations import format_duration
from vigil.spec.types import ANOMALY_DIRECTIONS, LINE_UNSAFE_CHARACTERS, SEVERITIES, SYMBOLS, Severity

OWNER_TAGS = ("owner", "Owner", "team", "Team")
PLACEHOLDER_OWNER = "CHANGE-ME"
SUMMARY_MAX = 512
_LINE_BREAKS = re.compile(f"\\s*[{LINE_UNSAFE_CHARACTERS}]+\\s*")
"""What a summary may not hold (line breaks, control characters), with the blanks around it: one space instead."""
MAX_CHECK_ROUNDS = 5
"""Times the import re-validates its files after leaving out what would not validate (a composite over a left-out
alarm is found in the next round)."""

_MISSING = {"missing": "missing", "notBreaching": "not_breaching", "breaching": "breaching", "ignore": "ignore"}
_STATE_CALL = re.compile(r'\b(ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*("?)([^()"]*?)\2\s*\)')
_SEVERITY_WORDS: tuple[tuple[Severity, re.Pattern[str]], ...] = (
    ("critical", re.compile(r"crit|page|pager|urgent|sev-?1|p1\b|high|emergency", re.I)),
    ("warning", re.compile(r"warn|sev-?2|p2\b|medium", re.I)),
    ("info", re.compile(r"info|notice|low|sev-?3|p3\b|email|digest", re.I)),
)
_SEVERITY_RANK = {severity: index for index, severity in enumerate(SEVERITIES)}
_ACTION_KEYS: tuple[tuple[NotifyState, str], ...] = (
    ("alarm", "AlarmActions"), ("ok", "OKActions"), ("insufficient_data", "InsufficientDataActions"))


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
    children = {c["AlarmName"]: [_reference_name(r) for r in _references(c.get("AlarmRule", ""))]
                + ([_reference_name(c["ActionsSuppressor"])] if c.get("ActionsSuppressor") else [])
                for c in composite_alarms}
    placer = ServicePlacer(env=options.env, service_tags=options.service_tags, prefixes=options.prefixes,
                           default_service=options.default_service, alarms=[*metric_alarms, *composite_alarms],
                           tags=tags, children=children)
    result.placed.update(placer.services)
    builder = _SpecBuilder(options, result, topics, tags, placer)
    for alarm in sorted(metric_alarms, key=lambda a: a["AlarmName"]):
        builder.metric_alarm(alarm)
    builder.composite_alarms(sorted(composite_alarms, key=lambda a: a["AlarmName"]))
    services = {a.service for a in builder.alarms.values()}
    sections: dict[str, dict[str, Any]] = {}
    for reader in (read_log_groups, read_xray_groups):
        reader(session, options, result, services, sections, progress)
    builder.write_valid(sections, lambda: topics.environment_file(options.env, account, session.region,
                                                                  builder.accounts))
    read_dashboards(session, options, result, builder.alarms, progress)
    builder.check_dashboards(sections)
    builder.finish()
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
            self.result.topics[arn] = severity
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

    def drop_channel(self, name: str) -> None:
        """Leave channel `name` out of the skeleton and its routes."""
        self.channels.pop(name, None)
        for channels in self.routes.values():
            if name in channels:
                channels.remove(name)

    def environment_file(self, env: str, account: str, region: str, source_accounts: set[str]) -> str:
        """The environment skeleton: routes and channels from the topics, and the accounts whose metrics the
        imported alarms read."""
        document: dict[str, Any] = {
            "version": 1, "name": env, "account": account, "region": region,
            "routes": {s: self.routes[s] for s in SEVERITIES if self.routes.get(s)},
            "channels": dict(sorted(self.channels.items())),
        }
        if source_accounts:
            document["source_accounts"] = sorted(source_accounts)
        header = (f"Imported from account {account}, {region} by `python -m vigil import`. Channels come from the "
                  "subscriptions of the topics the alarms notified; secrets are CHANGE-ME placeholders.")
        return spec_yaml(document, header)


class _SpecBuilder:
    """Turns describe_alarms entries into spec entries grouped by service."""

    def __init__(self, options: ImportOptions, result: ImportResult, topics: _TopicRouting,
                 tags: dict[str, dict[str, str]], placer: ServicePlacer) -> None:
        self.options = options
        self.result = result
        self.topics = topics
        self.tags = tags
        self.placer = placer
        self.alarms: dict[str, ImportedAlarm] = {}
        self.accounts: set[str] = set()
        """Accounts whose metrics imported alarms read: the environment's source accounts."""

    def _routing(self, alarm: dict[str, Any], stated: Severity | None = None) -> dict[str, Any]:
        """The head of a spec entry from an alarm's actions: its severity (from the SNS topics it notifies, else
        `stated`, the one a vigil description states, else info), the states that notify (when not the
        severity's default), its actions by ARN, actions_enabled."""
        name = alarm["AlarmName"]
        composite = "AlarmRule" in alarm
        topics: dict[NotifyState, list[str]] = {}
        extra: dict[NotifyState, list[str]] = {}
        for state, key in _ACTION_KEYS:
            for arn in alarm.get(key) or []:
                if ":sns:" in arn:
                    topics.setdefault(state, []).append(arn)
                elif not re.match(ACTION_ARN_PATTERN, arn):
                    self.result.note("approximated", name, f"{state} action {arn} dropped: not a Lambda, Systems "
                                                           "Manager, EC2 or Auto Scaling action vigil can state")
                elif composite and any(kind in arn for kind in (":automate:", ":swf:", ":autoscaling:")):
                    self.result.note("approximated", name, f"{state} action {arn} dropped: EC2 and Auto Scaling "
                                                           "actions need a metric alarm")
                else:
                    extra.setdefault(state, []).append(arn)
        arns = [arn for state in topics for arn in topics[state]]
        severities = sorted({self.topics.severity(arn) for arn in arns}, key=_SEVERITY_RANK.__getitem__)
        if len(severities) > 1:
            self.result.note("approximated", name, f"notified topics of severities {', '.join(severities)}; "
                                                   f"imported as {severities[0]}")
        severity: Severity = severities[0] if severities else stated or "info"
        head: dict[str, Any] = {"severity": severity}
        notify = [state for state in NOTIFY_STATES if state in topics]
        if tuple(notify) != DEFAULT_NOTIFY[severity]:
            head["notify"] = notify
        if extra:
            head["actions"] = {state: extra[state] for state in NOTIFY_STATES if state in extra}
        if not alarm.get("ActionsEnabled", True):
            head["actions_enabled"] = False
        return head

    def _skip(self, alarm: dict[str, Any], reason: str) -> None:
        self.result.note("skipped", alarm["AlarmName"], reason)

    def metric_alarm(self, alarm: dict[str, Any]) -> None:
        name = alarm["AlarmName"]
        operator = alarm.get("ComparisonOperator", "")
        if alarm.get("ThresholdMetricId") and operator not in ANOMALY_DIRECTIONS:
            return self._skip(alarm, f"an anomaly band with comparison {operator}, which CloudWatch refuses: a "
                                     f"band takes {', '.join(ANOMALY_DIRECTIONS)}")
        try:
            watched = watched_fields(alarm)
        except NotExpressible as reason:
            return self._skip(alarm, str(reason))
        entry = watched.fields
        for note in watched.notes:
            self.result.note("approximated", name, note)
        self.accounts.update(watched.accounts)
        operator = alarm.get("ComparisonOperator", "")
        if "anomaly" in entry:
            if operator not in ANOMALY_DIRECTIONS:
                return self._skip(alarm, f"an anomaly band with comparison {operator}, which CloudWatch refuses: a "
                                         f"band takes {', '.join(ANOMALY_DIRECTIONS)}")
            entry["anomaly"]["direction"] = ANOMALY_DIRECTIONS[operator]
        else:
            if operator not in SYMBOLS:
                return self._skip(alarm, (f"comparison {operator} without an anomaly band, which CloudWatch "
                                          "refuses (the comparison needs a band as ThresholdMetricId)")
                                  if operator in ANOMALY_DIRECTIONS else f"comparison {operator} is not CloudWatch's")
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
        self._add(alarm, entry, watched.namespaces, watched.periods)
        return None

    def _add(self, alarm: dict[str, Any], entry: dict[str, Any], namespaces: list[str], periods: list[int]) -> None:
        described = parse_description(alarm.get("AlarmDescription") or "")
        stated = described.severity if described is not None and described.severity in SEVERITIES else None
        head = self._routing(alarm, stated)  # type: ignore[arg-type]
        severity = head["severity"]
        service, key = self.placer.services[alarm["AlarmName"]], self.placer.key(alarm["AlarmName"])
        if entry.get("label") == key and ("expression" in entry or "query" in entry):
            del entry["label"]  # the label vigil gives an expression by default
        description = alarm.get("AlarmDescription") or ""
        if described is not None:  # vigil's own description: its parts, not the whole text
            description = described.summary or ""
            if described.runbook:
                head["runbook"] = described.runbook
        one_line = _LINE_BREAKS.sub(" ", description).strip()
        if one_line != description.strip():
            self.result.note("approximated", alarm["AlarmName"], "description folded to one line (a summary is one "
                                                                 "line)")
        description = one_line
        if description:
            if len(description) > SUMMARY_MAX:
                self.result.note("approximated", alarm["AlarmName"], f"description shortened to {SUMMARY_MAX} "
                                                                     "characters (the summary's limit)")
            head["summary"] = description[:SUMMARY_MAX]
        self.alarms[alarm["AlarmName"]] = ImportedAlarm(alarm, service, key, severity, {**head, **entry},
                                                        namespaces, periods)
        self.result.names[alarm["AlarmName"]] = naming.alarm_name(self.options.env, service, key)

    def composite_alarms(self, composites: list[dict[str, Any]]) -> None:
        pending = {c["AlarmName"]: c for c in composites}
        progress = True
        while pending and progress:  # composites over composites: place children first
            progress = False
            for name, alarm in list(pending.items()):
                children = [_reference_name(r) for r in _references(alarm.get("AlarmRule", ""))]
                children += [_reference_name(alarm["ActionsSuppressor"])] if alarm.get("ActionsSuppressor") else []
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
        rewritten = _STATE_CALL.sub(lambda m: f"{m.group(1)}({self.alarms[_reference_name(m.group(3))].key})", rule)
        if rule_syntax_error(rewritten):
            return self._skip(alarm, f"rule not understood: {rule_syntax_error(rewritten)}")
        entry: dict[str, Any] = {"composite": rewritten}
        if alarm.get("ActionsSuppressor"):
            suppressor = self.alarms.get(_reference_name(alarm["ActionsSuppressor"]))
            if suppressor is None or suppressor.service != services.copy().pop():
                why = "not imported" if suppressor is None else f"in service {suppressor.service}"
                self.result.note("approximated", alarm["AlarmName"], f"actions suppressor "
                                 f"{alarm['ActionsSuppressor']} dropped: it is {why}")
            else:
                entry["suppressor"] = {"alarm": suppressor.key}
                for field, key in (("wait", "ActionsSuppressorWaitPeriod"),
                                   ("extension", "ActionsSuppressorExtensionPeriod")):
                    if alarm.get(key):
                        entry["suppressor"][field] = format_duration(int(alarm[key]))
        self._add(alarm, entry, [], [])
        return None

    def write_valid(self, sections: dict[str, dict[str, Any]], environment: Callable[[], str]) -> None:
        """Write the environment skeleton (`environment` renders it) and the service files, leaving out (and
        listing) each entry `vigil validate` would refuse (a channel, an alarm, a log group ...), and the alarms
        and composites that depend on it."""
        for _ in range(MAX_CHECK_ROUNDS):
            self.result.files[self._environment_path] = environment()
            self.write_services(sections)
            check = check_files({p: t for p, t in self.result.files.items() if not p.startswith("dashboards/")},
                                self._entry_keys(sections))
            for (file, section, key), details in sorted(check.entries.items()):
                self._drop(file, section, key, f"would not validate: {'; '.join(details)}", sections)
            for file, problems in sorted(check.files.items()):
                for problem in problems:
                    self.result.note("todo", file, f"does not validate: {problem}")
            if check.ok or not check.entries:
                return

    def check_dashboards(self, sections: dict[str, dict[str, Any]]) -> None:
        """Leave out each dashboard file that does not validate; write the lock when a service needs several
        stacks (what `vigil lock` would write), so that `vigil validate` passes on the files as written."""
        check = check_files(self.result.files, self._entry_keys(sections))
        for file, problems in sorted(check.files.items()):
            if file.startswith("dashboards/") and file in self.result.files:
                del self.result.files[file]
                self.result.counts["dashboards_imported"] = self.result.counts.get("dashboards_imported", 1) - 1
                self.result.note("not-imported", f"dashboard {file}", f"would not validate: {'; '.join(problems)}")
        if check.lock is not None:
            self.result.files[shards.LOCK_FILE] = check.lock

    def finish(self) -> None:
        """Notes of alarms left out lose their approximations (only why they were left out matters); every
        written alarm whose deployed name differs from its original name gets a renamed note."""
        left_out = set(self.result.placed) - set(self.result.names)
        self.result.notes[:] = [n for n in self.result.notes if n.kind != "approximated" or n.subject not in left_out]
        self._note_renames()

    def _note_renames(self) -> None:
        for name, alarm in sorted(self.alarms.items()):
            deployed = self.result.names[name]
            if deployed != name:
                self.result.note("renamed", name, f"deployed as {deployed} (service {alarm.service}, key "
                                                  f"{alarm.key}); delete the original once the new one is deployed")

    @property
    def _environment_path(self) -> str:
        return f"environments/{self.options.env}.yaml"

    def _entry_keys(self, sections: dict[str, dict[str, Any]]) -> dict[str, dict[str, set[str]]]:
        keys: dict[str, dict[str, set[str]]] = {self._environment_path: {"channels": set(self.topics.channels)}}
        for alarm in self.alarms.values():
            keys.setdefault(f"alarm_specs/{alarm.service}.yaml", {}).setdefault("alarms", set()).add(alarm.key)
        for service, section in sections.items():
            file = keys.setdefault(f"alarm_specs/{service}.yaml", {})
            file["log_groups"] = set(section.get("log_groups", {}))
            for kind in ("groups", "sampling_rules"):
                file[f"tracing.{kind}"] = set(section.get("tracing", {}).get(kind, {}))
        return keys

    def _drop(self, file: str, section: str, key: str, reason: str, sections: dict[str, dict[str, Any]]) -> None:
        if file == self._environment_path:
            self.topics.drop_channel(key)
            self.result.note("skipped", f"channel {key}", reason)
            return
        service = file.removeprefix("alarm_specs/").removesuffix(".yaml")
        if section != "alarms":
            container = sections.get(service, {})
            for part in section.split("."):
                container = container.get(part, {})
            if key in container:
                del container[key]
                kind = {"log_groups": "log group", "tracing.groups": "X-Ray group"}.get(section, "sampling rule")
                self.result.note("skipped", f"{kind} {key}", reason)
            return
        dropped = [name for name, alarm in self.alarms.items() if alarm.service == service and alarm.key == key]
        for name in dropped:
            del self.alarms[name]
            del self.result.names[name]
            self.result.note("skipped", name, reason)
            for other, alarm in list(self.alarms.items()):
                if other in self.alarms and alarm.service == service and key in rule_references(
                        alarm.entry.get("composite") or ""):
                    self._drop(file, "alarms", alarm.key, f"its rule refers to {name}, which is not imported",
                               sections)

    def write_services(self, sections: dict[str, dict[str, Any]] | None = None) -> None:
        """One file per service: its alarms and `sections` (log_groups, tracing) by service."""
        sections = sections or {}
        for stale in [path for path in self.result.files if path.startswith("alarm_specs/")]:
            del self.result.files[stale]
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
            runbooks = {a.entry.get("runbook") for a in alarms}
            runbook = runbooks.pop() if len(runbooks) == 1 else None  # every alarm's: the service's runbook
            recognised = recognise({a.key: {k: v for k, v in a.entry.items() if not (k == "runbook" and runbook)}
                                    for a in sorted(alarms, key=lambda a: a.key)})  # vigil/presets/recognise.py
            self._note_presets(service, alarms, recognised.replaced)
            entries = {key: _with_defaults(entry, namespace, period) for key, entry in recognised.alarms.items()}
            document: dict[str, Any] = {"version": 1, "service": service, "owner": owner}
            if runbook:
                document["runbook"] = runbook
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


    def _note_presets(self, service: str, alarms: list[ImportedAlarm], replaced: dict[str, str]) -> None:
        """Alarms written as a resource's preset alarms take their generated key and name."""
        by_key = {alarm.key: alarm for alarm in alarms}
        for old, new in replaced.items():
            by_key[old].key = new  # dashboards refer to it by its new key
            deployed = naming.alarm_name(self.options.env, service, new)
            self.result.names[by_key[old].original["AlarmName"]] = deployed
            self.result.note("preset", by_key[old].original["AlarmName"], f"written as the resource preset alarm "
                                                                          f"{new}, deployed as {deployed}")


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
    if "expression_period" in out:
        out["expression_period"] = format_duration(out["expression_period"])
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


def _number(value: float, *, as_text: bool = True) -> Any:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value)) if as_text else int(value)
    return repr(value) if as_text else value


def _most_common(values: Any) -> Any:
    counts = Counter(values)
    return min(counts, key=lambda v: (-counts[v], str(v))) if counts else None


def _redact(endpoint: str) -> str:
    return re.sub(r"(https?://[^/]+).*", r"\1/...", endpoint)
