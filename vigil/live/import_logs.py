"""`python -m vigil import`, log groups and X-Ray groups: the `log_groups` and `tracing.groups` sections of the
imported service files.

A log group or X-Ray group goes to the service its tags name (the same tag keys as alarms), else to the imported
service whose name appears in its name as a whole word (`/aws/lambda/orders-api` -> orders), else to the default
service. A log group vigil created (tag `managed-by: vigil`) is owned (`existing: false`, retention required);
any other is `existing: true`, so vigil neither creates nor deletes it and sets only what the spec states.
Whatever the spec cannot hold is listed in the report, never dropped silently.
"""

from __future__ import annotations

import re
from typing import Any

from vigil import naming
from vigil.limits import MAX_XRAY_NAME
from vigil.live.aws import AwsSession, Progress
from vigil.live.import_result import ImportOptions, ImportResult, service_name, spec_key
from vigil.spec.logs import UNITS, check_pattern, parse_value

MANAGED_BY = naming.MANAGED_BY
"""The tag every resource of a vigil stack carries."""
_TRACING_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")

Sections = dict[str, dict[str, Any]]
"""Spec sections by service: {"orders": {"log_groups": {...}, "tracing": {"groups": {...}}}}."""


def place(name: str, tags: dict[str, str], options: ImportOptions, services: set[str]) -> str:
    """The service a log group or X-Ray group named `name` with `tags` belongs to."""
    for tag in options.service_tags:
        if tags.get(tag) and service_name(tags[tag]):
            return service_name(tags[tag]) or options.default_service
    lowered = name.lower()
    matches = [s for s in services if re.search(rf"(^|[/_.\s-]){re.escape(s)}($|[/_.\s-])", lowered)]
    return max(matches, key=lambda s: (len(s), s)) if matches else options.default_service


def read_log_groups(session: AwsSession, options: ImportOptions, result: ImportResult, services: set[str],
                    sections: Sections, progress: Progress) -> None:
    """Add every log group with its retention and metric filters to `sections`."""
    logs = session.client("logs")
    groups = result.read_all(logs, "describe_log_groups", "logGroups", "log groups")
    if groups is None:
        return
    filters = result.read_all(logs, "describe_metric_filters", "metricFilters", "log groups")
    if filters is None:
        return
    result.counts.update(log_groups=len(groups), metric_filters=len(filters))
    progress(f"import: read {len(groups)} log groups and {len(filters)} metric filters")
    by_group: dict[str, list[dict[str, Any]]] = {}
    for metric_filter in filters:
        by_group.setdefault(metric_filter["logGroupName"], []).append(metric_filter)
    for group in sorted(groups, key=lambda g: g["logGroupName"]):
        name = group["logGroupName"]
        tags = _log_group_tags(logs, name)
        owned = tags.get(MANAGED_BY[0]) == MANAGED_BY[1]
        entry: dict[str, Any] = {"existing": not owned}
        days = group.get("retentionInDays")
        if days:
            entry["retention"] = f"{days}d"
        elif owned:
            entry["retention"] = "never"
        if group.get("kmsKeyId"):
            if owned:
                entry["kms_key"] = group["kmsKeyId"]
            else:
                result.note("approximated", f"log group {name}", f"KMS key {group['kmsKeyId']} not in the spec: an "
                                                                 "existing group keeps the key it was created with")
        if group.get("logGroupClass", "STANDARD") != "STANDARD":
            result.note("approximated", f"log group {name}", f"log class {group['logGroupClass']} not in the spec "
                                                             "(it is kept: vigil does not create this group)"
                        if not owned else f"log class {group['logGroupClass']} not in the spec")
        metric_filters: dict[str, Any] = {}
        for metric_filter in sorted(by_group.get(name, []), key=lambda f: f["filterName"]):
            converted = _metric_filter(metric_filter, name, result)
            if converted is not None:
                key = _unique(spec_key(metric_filter["filterName"]), metric_filters)
                if key != metric_filter["filterName"]:
                    result.note("renamed", f"metric filter {metric_filter['filterName']} of log group {name}",
                                f"deployed as {key} (filter names are spec keys); delete the original once the new "
                                "one is deployed")
                metric_filters[key] = converted
        if metric_filters:
            entry["metric_filters"] = metric_filters
        service = place(name, tags, options, services)
        sections.setdefault(service, {}).setdefault("log_groups", {})[name] = entry


def _log_group_tags(logs: Any, name: str) -> dict[str, str]:
    try:
        return dict(logs.list_tags_log_group(logGroupName=name).get("tags", {}))
    except Exception:
        return {}


def _metric_filter(metric_filter: dict[str, Any], group: str, result: ImportResult) -> dict[str, Any] | None:
    """The spec entry of one metric filter, or None after noting why it cannot be one."""
    subject = f"metric filter {metric_filter['filterName']} of log group {group}"
    transformations = metric_filter.get("metricTransformations", [])
    if len(transformations) != 1:
        result.note("skipped", subject, f"{len(transformations)} metric transformations; vigil publishes one "
                                        "metric per filter")
        return None
    pattern = metric_filter.get("filterPattern") or ""
    try:
        check_pattern(pattern)
    except ValueError as error:
        reason = "an empty pattern (every event)" if not pattern.strip() else f"the pattern: {error}"
        result.note("skipped", subject, f"{reason}; vigil needs a filter pattern")
        return None
    (transformation,) = transformations
    try:
        value = parse_value(transformation["metricValue"])
    except ValueError as error:
        result.note("skipped", subject, f"metric value: {error}")
        return None
    entry: dict[str, Any] = {"pattern": pattern, "metric": transformation["metricName"],
                             "namespace": transformation["metricNamespace"],
                             "value": _number(value)}
    if transformation.get("defaultValue") is not None:
        entry["default_value"] = _number(str(transformation["defaultValue"]))
    unit = transformation.get("unit")
    if unit and unit != "None":
        if unit not in UNITS:
            result.note("approximated", subject, f"unit {unit} dropped: not a CloudWatch unit vigil knows")
        else:
            entry["unit"] = unit
    if transformation.get("dimensions"):
        entry["dimensions"] = dict(sorted(transformation["dimensions"].items()))
    return entry


def read_xray_groups(session: AwsSession, options: ImportOptions, result: ImportResult, services: set[str],
                     sections: Sections, progress: Progress) -> None:
    """Add every X-Ray group but Default to the `tracing.groups` of its service in `sections`."""
    xray = session.client("xray")
    groups = result.read_counted(xray, "get_groups", "Groups", "X-Ray groups", "xray_groups", progress)
    if groups is None:
        return
    env = options.env
    for group in sorted(groups, key=lambda g: g["GroupName"]):
        name = group["GroupName"]
        if name == "Default":
            continue
        subject = f"X-Ray group {name}"
        if not group.get("FilterExpression"):
            result.note("skipped", subject, "no filter expression; vigil's groups need one")
            continue
        rest = naming.without_env_prefix(env, name)
        key = re.sub(r"[^A-Za-z0-9_-]+", "-", rest).strip("-_")[:32] or "group"
        deployed = naming.xray_name(env, key)
        if not _TRACING_KEY.match(key) or len(deployed) > MAX_XRAY_NAME:
            result.note("skipped", subject, f"it would deploy as {deployed}, longer than X-Ray's {MAX_XRAY_NAME} "
                                            "characters")
            continue
        if deployed != name:
            result.note("renamed", subject, f"deployed as {deployed} (key {key}); delete the original once the new "
                                            "one is deployed")
        insights = group.get("InsightsConfiguration") or {}
        entry: dict[str, Any] = {"filter": group["FilterExpression"]}
        if insights.get("InsightsEnabled"):
            entry["insights"] = True
        if insights.get("NotificationsEnabled"):
            entry["notifications"] = True
        service = place(name, _xray_tags(xray, group.get("GroupARN")), options, services)
        groups_section = sections.setdefault(service, {}).setdefault("tracing", {}).setdefault("groups", {})
        groups_section[_unique(key, groups_section)] = entry


def _xray_tags(xray: Any, arn: str | None) -> dict[str, str]:
    if not arn:
        return {}
    try:
        return {t["Key"]: t["Value"] for t in xray.list_tags_for_resource(ResourceARN=arn).get("Tags", [])}
    except Exception:
        return {}


def _unique(key: str, taken: dict[str, Any]) -> str:
    unique, number = key, 2
    while unique in taken:
        unique, number = f"{key[:120]}-{number}", number + 1
    return unique


def _number(value: str) -> Any:
    """`1` -> 1, `2.5` -> 2.5, `$.latency` stays text."""
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and abs(number) < 1e15 else number
