"""Which service an imported alarm belongs to, and the key it gets there.

An alarm's service comes from, in order: a service tag (`ImportOptions.service_tags`); a configured name prefix
(`ImportOptions.prefixes`, longest first); vigil's own naming `{env}-{service}-{key}`; the SNS topics it notifies,
when a topic's name says more than a severity (`checkout-pager` -> checkout); the resource its metrics measure,
when other alarms measure it too (dimension FunctionName=checkout-handler -> checkout-handler); and only then the
first word of its name. A composite alarm and the alarms its rule names end in one service (vigil composites
combine alarms of one service): the service most of them were given. Keys are made from names in lower case with
`-` between words (`DummyApi-Latency--Warning` -> `dummy-api-latency-warning`), without the service's own prefix.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from vigil import naming
from vigil.live.import_result import service_name, words
from vigil.spec.types import SEVERITIES

MAX_KEY = 128
"""Characters in a spec key (vigil/spec/types.py Key)."""
RESOURCE_DIMENSIONS = ("ServiceName", "FunctionName", "TableName", "QueueName", "DBInstanceIdentifier",
                       "DBClusterIdentifier", "ApiName", "ApiId", "StateMachineArn", "StreamName",
                       "DeliveryStreamName", "TopicName", "BucketName", "DistributionId", "CacheClusterId",
                       "DomainName", "LoadBalancer", "TargetGroup", "AutoScalingGroupName", "ClusterName",
                       "CanaryName", "GraphQLAPIId", "ProjectName", "JobName", "Cluster")
"""Dimensions that name the resource a metric measures, most specific first (an ECS ServiceName before its
ClusterName)."""
_TOPIC_NOISE = frozenset({
    "alarm", "alarms", "alert", "alerts", "alerting", "notification", "notifications", "notify", "topic", "sns",
    "pager", "pagerduty", "page", "pages", "paging", "critical", "crit", "warning", "warnings", "warn", "info",
    "notice", "low", "medium", "high", "urgent", "emergency", "sev1", "sev2", "sev3", "p1", "p2", "p3", "ops",
    "oncall", "email", "emails", "digest", "team", "default", "threshold", "thresholds", "cloudwatch",
    "monitoring", "events", "prod", "production", "staging", "stage", "dev", "test", *SEVERITIES})
"""Words of a topic name that say how or how loudly, not what: left out when a topic names a service."""


def readable_key(value: str) -> str:
    """A spec key from an alarm or filter name: words in lower case joined by single `-`, dots kept between
    digits (`TM-99.99`), at most 128 characters; `alarm` if nothing is left."""
    key = re.sub(r"[^a-z0-9.]+", "-", words(value))
    key = re.sub(r"-*\.[-.]*", lambda m: "." if m.group(0) == "." else "-", key)
    key = re.sub(r"-{2,}", "-", key).strip("-.")
    return key[:MAX_KEY].rstrip("-.") or "alarm"


def topic_service(topic_arn: str, env: str) -> str | None:
    """The service a topic name names, once severity and delivery words are left out; None if none is left."""
    telling = [w for w in re.split(r"[^a-z0-9]+", words(topic_arn.rsplit(":", 1)[-1]))
               if w and w not in _TOPIC_NOISE and w != env and not w.isdigit()]
    return service_name("-".join(telling)) if telling else None


def resource_of(alarm: Mapping[str, Any]) -> str | None:
    """The resource the alarm's metrics measure, as `Dimension=value`, or None (most common over its metrics)."""
    dimension_sets = [alarm.get("Dimensions") or []]
    dimension_sets += [q["MetricStat"]["Metric"].get("Dimensions") or [] for q in alarm.get("Metrics") or []
                       if q.get("MetricStat")]
    found: Counter[str] = Counter()
    for dimensions in dimension_sets:
        values = {d["Name"]: d["Value"] for d in dimensions}
        name = next((n for n in RESOURCE_DIMENSIONS if values.get(n)), None)
        if name is not None:
            found[f"{name}={values[name]}"] += 1
    return min(found, key=lambda r: (-found[r], r)) if found else None


def _resource_service(resource: str) -> str | None:
    name, value = resource.split("=", 1)
    if name in ("LoadBalancer", "TargetGroup"):  # app/name/id, net/name/id, targetgroup/name/id
        parts = value.split("/")
        value = parts[1] if len(parts) >= 3 else value
    else:
        value = re.split(r"[:/]", value)[-1]
    return service_name(value)


_STRONG = frozenset({"tag", "prefix", "name", "topic", "first word"})
"""Sources of a service that say it by name; a composite does not move an alarm away from one of those."""


class ServicePlacer:
    """Places every alarm of an account in a service and gives it a key unique in that service.

    `alarms` are the DescribeAlarms entries (metric and composite), `tags` their tags by alarm name,
    `children` the alarm names each composite's rule refers to.
    """

    def __init__(self, *, env: str, service_tags: Iterable[str], prefixes: Mapping[str, str], default_service: str,
                 alarms: list[Mapping[str, Any]], tags: Mapping[str, Mapping[str, str]],
                 children: Mapping[str, list[str]]) -> None:
        self.env = env
        self.prefixes = dict(prefixes)
        self.default_service = default_service
        self.service_tags = tuple(service_tags)
        self.tags = tags
        self.services: dict[str, str] = {}
        self.sources: dict[str, str] = {}
        """How each alarm's service was found: tag, prefix, name, topic, resource, first word, default."""
        self._keys: dict[str, set[str]] = {}
        shared = Counter(resource_of(a) for a in alarms)
        for alarm in alarms:
            name = alarm["AlarmName"]
            self.services[name], self.sources[name] = self._infer(alarm, shared)
        self._join_composites(children)

    def _infer(self, alarm: Mapping[str, Any], shared: Counter[str | None]) -> tuple[str, str]:
        name = alarm["AlarmName"]
        tags = self.tags.get(name, {})
        for tag in self.service_tags:
            if tags.get(tag) and service_name(tags[tag]):
                return str(service_name(tags[tag])), "tag"
        rest = self._without_env(name)
        for prefix in sorted(self.prefixes, key=len, reverse=True):
            if rest.startswith(prefix):
                return self.prefixes[prefix], "prefix"
        if rest != name:
            head = re.split(r"[-_./ ]", rest, maxsplit=1)
            if len(head) == 2 and service_name(head[0]):
                return str(service_name(head[0])), "name"
        topics = Counter(s for s in (topic_service(a, self.env) for a in alarm.get("AlarmActions") or []
                                     if ":sns:" in a) if s)
        if topics:
            return min(topics, key=lambda s: (-topics[s], s)), "topic"
        resource = resource_of(alarm)
        if resource is not None and shared[resource] > 1 and _resource_service(resource):
            return str(_resource_service(resource)), "resource"
        head = re.split(r"[-_./: ]", rest, maxsplit=1)
        if len(head) == 2 and service_name(head[0]):
            return str(service_name(head[0])), "first word"
        return self.default_service, "default"

    def _without_env(self, name: str) -> str:
        return naming.without_env_prefix(self.env, name)

    def _join_composites(self, children: Mapping[str, list[str]]) -> None:
        """A composite and the alarms it names (transitively) move to one service: the one tags, prefixes, names
        or topics gave some of them, else the one most of them have. Where those disagree, nothing moves."""
        group: dict[str, str] = {}

        def root(name: str) -> str:
            while group.get(name, name) != name:
                name = group[name]
            return name

        for composite, names in children.items():
            for child in names:
                if child in self.services and composite in self.services:
                    group[root(child)] = root(composite)
        members: dict[str, list[str]] = {}
        for name in self.services:
            members.setdefault(root(name), []).append(name)
        for names in members.values():
            if len(names) < 2:
                continue
            strong = {self.services[n] for n in names if self.sources[n] in _STRONG}
            if len(strong) > 1:
                continue  # tags or names put them in different services: the composite is reported
            votes = Counter(self.services[n] for n in names)
            service = strong.pop() if strong else min(votes, key=lambda s: (-votes[s], s))
            for name in names:
                if self.services[name] != service:
                    self.services[name], self.sources[name] = service, "composite"

    def key(self, name: str) -> str:
        """A key for alarm `name`, unique in its service (reserved on first call)."""
        service = self.services.get(name, self.default_service)
        rest = self._without_env(name)
        if rest.startswith(f"{service}-") and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}",
                                                          rest[len(service) + 1:]):
            key = rest[len(service) + 1:]  # vigil's own name: keep the key as it was
        else:
            key = readable_key(rest)
            for prefix in (service, *(p for p, s in self.prefixes.items() if s == service)):
                stripped = readable_key(prefix)
                if key.startswith(f"{stripped}-") and len(key) > len(stripped) + 1:
                    key = key[len(stripped) + 1:]
                    break
        used = self._keys.setdefault(service, set())
        unique, number = key, 2
        while unique in used:
            unique, number = f"{key[:MAX_KEY - 4]}-{number}", number + 1
        used.add(unique)
        return unique

    def deployed_name(self, name: str, key: str) -> str:
        """The name vigil deploys the alarm under."""
        return naming.alarm_name(self.env, self.services.get(name, self.default_service), key)
