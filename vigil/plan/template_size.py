"""The size of a service's templates, estimated in pure Python: resources per stack and template bytes, for
splitting services into stacks (vigil/plan/shards.py) within CloudFormation's limits.

An alarm's bytes are those of its resource as vigil/plan/alarm_shape.py builds it, measured the way the CDK
writes a template (`JSON.stringify(template, undefined, 1)`); tests/test_shards.py checks the estimate against
synthesized templates. Other kinds of resources (dashboards, log groups, canaries, X-Ray groups) add their own
`TemplateSize` here and count it with `service_level_size`, which places them in a service's first stack.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from vigil import naming
from vigil.plan.alarm_shape import alarm_properties, needs, resource_type
from vigil.plan.model import AlarmPlan, ServicePlan
from vigil.spec.types import format_number

STACK_OVERHEAD_BYTES = 1000
"""Bytes of a service template outside its resources: description, BootstrapVersion parameter and rule."""
_ARN_PREFIX_BYTES = 151
"""What an action's `{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sns:<region>:<account>:<topic>"]]}`
adds to the topic name as a plain string, without region and account."""


@dataclass(frozen=True)
class TemplateSize:
    """CloudFormation resources and estimated template bytes of one spec item (an alarm, a dashboard ...) or a
    stack."""

    resources: int
    template_bytes: int

    def __add__(self, other: TemplateSize) -> TemplateSize:
        return TemplateSize(self.resources + other.resources, self.template_bytes + other.template_bytes)


NOTHING = TemplateSize(0, 0)


XRAY_GROUP_BYTES = 560
"""An AWS::XRay::Group besides its filter expression."""
SAMPLING_RULE_BYTES = 850
"""An AWS::XRay::SamplingRule."""
CANARY_RESOURCES = 4
"""A canary is its artifact bucket, the bucket's policy, its role and the AWS::Synthetics::Canary."""
CANARY_BYTES = 5600
"""A canary's four resources besides its inline script and configuration."""
CANARY_LOG_GROUP_BYTES = 600
"""A canary's log group (owned unless in a local environment), named from the canary's name and id."""


DASHBOARD_BYTES = 300
"""An AWS::CloudWatch::Dashboard besides its body (a JSON string in the template)."""
LOG_GROUP_BYTES = 450
METRIC_FILTER_BYTES = 450
QUERY_BYTES = 300
"""A log group, a metric filter and a saved query, besides their names, patterns and query text."""
RETENTION_RESOURCES, RETENTION_BYTES = 2, 1800
"""Retention of an existing log group: a custom resource and its policy."""
RETENTION_PROVIDER_RESOURCES, RETENTION_PROVIDER_BYTES = 3, 3000
"""The function, its role and its log group behind those custom resources, once per stack."""


def service_level_size(service: ServicePlan, *, source_resources: bool = True,
                       tags: tuple[tuple[str, str], ...] = ()) -> TemplateSize:
    """Resources a service's first stack holds besides its alarms: X-Ray groups and sampling rules, canaries
    (their alarms are alarms), log groups with their filters and queries, dashboards (the SLO dashboard too).
    Any further kind that belongs to the service as a whole adds its size here. Without `source_resources`
    only the dashboards: with central routing the rest is in the service's source stack. `tags` are those the
    stack puts on every taggable resource (dashboards carry them too)."""
    size = NOTHING
    dashboard_tags = _tags_size(tags) if tags else 0
    for dashboard in service.dashboards:
        size += TemplateSize(1, DASHBOARD_BYTES + _str_size(dashboard.body) + dashboard_tags)
    if not source_resources:
        return size
    retention = False
    for group in service.log_groups:
        if not group.existing:
            size += TemplateSize(1, LOG_GROUP_BYTES + 2 * len(group.name))
        elif group.retention_days is not None:
            retention = True
            size += TemplateSize(RETENTION_RESOURCES, RETENTION_BYTES + 4 * len(group.name))
        for metric_filter in group.filters:
            dimensions = _dimensions_size(metric_filter.dimensions, 8) if metric_filter.dimensions else 0
            size += TemplateSize(1, METRIC_FILTER_BYTES + _str_size(metric_filter.pattern) + len(group.name)
                                 + dimensions)
        for query in group.queries:
            size += TemplateSize(1, QUERY_BYTES + _str_size(query.query) + sum(len(n) + 8 for n in query.log_groups))
    if retention:
        size += TemplateSize(RETENTION_PROVIDER_RESOURCES, RETENTION_PROVIDER_BYTES)
    for group in service.xray_groups:
        size += TemplateSize(1, XRAY_GROUP_BYTES + _str_size(group.filter))
    size += TemplateSize(len(service.sampling_rules), SAMPLING_RULE_BYTES * len(service.sampling_rules))
    for canary in service.canaries:
        size += TemplateSize(CANARY_RESOURCES, CANARY_BYTES + _str_size(canary.script) + _str_size(canary.config))
        if canary.owns_log_group:
            size += TemplateSize(1, CANARY_LOG_GROUP_BYTES)
    return size


def alarm_size(alarm: AlarmPlan, tags: tuple[tuple[str, str], ...], region: str, account: str) -> TemplateSize:
    """One alarm is one resource (AWS::CloudWatch::Alarm or CompositeAlarm); its bytes as synthesized: the
    resource of vigil/plan/alarm_shape.py, measured as the CDK writes it.

    `tags` are the tags the stack applies to every resource (service and environment tags plus managed-by).
    Parts that repeat across alarms (tags, actions) are sized once.
    """
    arn = len(region) + len(account)
    properties = alarm_properties(alarm, _TOPIC_NAMES, ())
    sizes: list[tuple[str, int]] = []
    for key, value in properties.items():
        if key in ("AlarmActions", "OKActions"):
            sizes.append((key, _actions_size(tuple(value), arn)))
        else:
            sizes.append((key, json_size(value, _PROPERTY)))
    sizes.append(("Tags", _tags_size(tags)))
    resource = [("Type", json_size(resource_type(alarm))), ("Properties", _object_size(sizes, _PROPERTIES))]
    depends = needs(alarm)
    if depends:
        prefix = len(alarm.name) - len(alarm.key)
        resource.append(("DependsOn", json_size([_logical_id(child[prefix:]) for child in depends], _PROPERTIES)))
    size = 2 + len(_logical_id(alarm.key)) + 2 + 2 + _object_size(resource, _RESOURCE) + 2
    return TemplateSize(1, size)


class _TopicNames(dict[str, str]):
    """Stands in for the topic ARNs of alarm_properties: each topic as its name, sized by `_actions_size`."""

    def __missing__(self, topic: str) -> str:
        return topic


_TOPIC_NAMES = _TopicNames()


_RESOURCE, _PROPERTIES, _PROPERTY, _ITEM = 2, 3, 4, 5
"""Indentation depths in a template: a resource, its Properties, one property's value, a list item's value."""


def _object_size(entries: list[tuple[str, int]], depth: int) -> int:
    """Bytes of an object at `depth` whose values (at depth + 1) have the given sizes."""
    # braces, the closing line's indentation; each entry: indentation, "key": value and ",\n"
    return 2 + depth + len(entries) * (depth + 7) + sum(len(key) + size for key, size in entries)


def _list_size(sizes: list[int], depth: int = _PROPERTY) -> int:
    """Bytes of a non-empty list at `depth` whose items have the given sizes."""
    return 2 + sum(depth + 1 + size + 2 for size in sizes) - 1 + depth + 1


@functools.lru_cache(maxsize=1024)
def _actions_size(actions: tuple[str, ...], arn: int) -> int:
    # each action is an Fn::Join of the partition and the rest of the ARN; the topic name is the variable part
    return json_size(list(actions), _PROPERTY) + len(actions) * (_ARN_PREFIX_BYTES + arn)


@functools.lru_cache(maxsize=1024)
def _tags_size(tags: tuple[tuple[str, str], ...]) -> int:
    return json_size([{"Key": k, "Value": v} for k, v in tags], _PROPERTY)


@functools.lru_cache(maxsize=4096)
def _dimensions_size(dimensions: tuple[tuple[str, str], ...], depth: int) -> int:
    return json_size([{"Name": k, "Value": v} for k, v in dimensions], depth)


def _logical_id(key: str) -> str:
    return naming.logical_id((naming.ALARMS_CONSTRUCT_ID, key))


def _str_size(text: str) -> int:
    """Bytes of a JSON string: UTF-8, quoted, with newlines, quotes and backslashes escaped."""
    size = len(text) + 2 if text.isascii() else len(text.encode()) + 2
    if "\n" in text or '"' in text or "\\" in text:
        size += text.count("\n") + text.count('"') + text.count("\\")
    return size


_key_size = functools.lru_cache(maxsize=4096)(_str_size)
"""`_str_size` of an object's keys: property and field names, the same few thousand times over."""


def json_size(value: Any, depth: int = 0) -> int:
    """Bytes of `value` written as JSON with one space of indentation per level, starting at `depth`."""
    kind = type(value)
    if kind is str:
        return _str_size(value)
    if kind is bool:
        return 4 if value else 5
    if kind is int or kind is float:
        return len(format_number(value))
    if kind is dict:
        if not value:
            return 2
        inner = depth + 1
        # braces, the closing line's indentation; each entry: indentation, "key": value and ",\n" (the last
        # entry's "," is the closing line's "\n")
        # (string values, the most common, are sized here rather than in a call of their own)
        size = 2 + depth + len(value) * (inner + 4)
        for key, item in value.items():
            size += _key_size(key) + (_str_size(item) if type(item) is str else json_size(item, inner))
        return size
    if kind is list or kind is tuple:
        if not value:
            return 2
        inner = depth + 1
        size = 2 + depth + len(value) * (inner + 2)
        for item in value:
            size += _str_size(item) if type(item) is str else json_size(item, inner)
        return size
    if isinstance(value, str):
        return _str_size(value)
    if isinstance(value, int | float):
        return len(format_number(value))
    return 4  # null


