"""What a metric alarm watches, from DescribeAlarms to the fields of a spec entry.

`watched_fields` reads the metric part of a MetricAlarm: a single metric (flat, or in the `Metrics` list form the
CDK writes for a labelled metric or one of another account), metric math with intermediate expressions, an
anomaly band around a metric or an expression, or a Metrics Insights query. It returns the spec fields, or the
reason the alarm cannot be written (true for that alarm). Periods in the fields are seconds; the caller formats
them. Pure: no AWS calls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from vigil.expressions import metric_ids
from vigil.limits import MAX_METRICS_PER_ALARM
from vigil.plan.alarm_shape import EXPRESSION_ID
from vigil.spec.types import parse_stat

BAND = re.compile(r"^\s*ANOMALY_DETECTION_BAND\s*\(\s*([a-zA-Z][a-zA-Z0-9_]*)\s*(?:,\s*([0-9.]+)\s*)?\)\s*$")
"""An anomaly band expression: the id it bands and its width in standard deviations (default 2)."""
DEFAULT_BAND = 2.0
_METRIC_ID = re.compile(r"^[a-z][a-zA-Z0-9_]{0,254}$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")


@dataclass
class Watched:
    """The spec fields of what an alarm watches, the namespaces and periods it uses (for the service
    defaults), the accounts its metrics come from, and notes on what was approximated."""

    fields: dict[str, Any] = field(default_factory=dict)
    namespaces: list[str] = field(default_factory=list)
    periods: list[int] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class NotExpressible(Exception):
    """Why an alarm's metrics cannot be written as a spec entry."""


def watched_fields(alarm: dict[str, Any]) -> Watched:
    """The spec fields of the metric part of `alarm`; raises NotExpressible with the reason."""
    watched = Watched()
    if alarm.get("MetricName"):
        if alarm.get("ThresholdMetricId"):
            raise NotExpressible("a threshold metric id on a single-metric alarm")
        stat = _stat(alarm.get("Statistic") or alarm.get("ExtendedStatistic"))
        watched.fields.update(metric=alarm["MetricName"], namespace=alarm["Namespace"], stat=stat)
        dimensions = _dimensions(alarm.get("Dimensions"))
        if dimensions:
            watched.fields["dimensions"] = dimensions
        watched.fields["period"] = int(alarm["Period"])
        if alarm.get("Unit"):
            watched.fields["unit"] = alarm["Unit"]
        watched.namespaces.append(alarm["Namespace"])
        watched.periods.append(int(alarm["Period"]))
    else:
        _queries(alarm, watched)
    low_sample = alarm.get("EvaluateLowSampleCountPercentile")
    if low_sample:
        stat = watched.fields.get("stat", "")
        if "metric" in watched.fields and re.match(r"^p\d", stat):
            watched.fields["evaluate_low_sample_count_percentile"] = low_sample
        else:
            watched.notes.append(f"EvaluateLowSampleCountPercentile {low_sample} dropped: CloudWatch applies it "
                                 "only to a single metric's percentile, and this alarm has none")
    return watched


def _queries(alarm: dict[str, Any], watched: Watched) -> None:
    queries = alarm.get("Metrics") or []
    by_id = {q["Id"]: q for q in queries}
    stats = [q for q in queries if q.get("MetricStat")]
    expressions = [q for q in queries if q.get("Expression")]
    band_id = alarm.get("ThresholdMetricId")
    band = by_id.get(band_id or "")
    banded: str | None = None
    if band_id is not None:
        match = BAND.match((band or {}).get("Expression", ""))
        if match is None:
            raise NotExpressible(f"threshold metric {band_id} is not an ANOMALY_DETECTION_BAND expression")
        banded = match.group(1)
        if banded not in by_id:
            raise NotExpressible(f"the anomaly band refers to {banded}, which the alarm does not define")
        watched.fields["anomaly"] = {"band": _number(float(match.group(2) or DEFAULT_BAND))}
        if (band or {}).get("Label"):
            watched.fields["anomaly"]["label"] = band["Label"]  # type: ignore[index]
        expressions = [q for q in expressions if q["Id"] != band_id]
    returned = [q["Id"] for q in queries if q.get("ReturnData", True) and q["Id"] != band_id]
    if len(returned) != 1:
        raise NotExpressible(f"{len(returned)} queries return data ({', '.join(returned) or 'none'}); an alarm "
                             "watches exactly one")
    (watched_id,) = returned
    if banded is not None and banded != watched_id:
        raise NotExpressible(f"the anomaly band is around {banded}, but the alarm returns {watched_id}")
    top = by_id[watched_id]
    if top.get("MetricStat"):
        if len(queries) - (band is not None) != 1:
            raise NotExpressible("a metric returning data beside other metrics; an alarm's expression must be what "
                                 "it watches")
        _single(top, watched)
        return
    _expression(top, stats, [q for q in expressions if q is not top], watched)


def _single(query: dict[str, Any], watched: Watched) -> None:
    """A single metric in the Metrics list form: `metric:` with its label, account and unit."""
    stat_block = query["MetricStat"]
    metric = stat_block["Metric"]
    watched.fields.update(metric=metric["MetricName"], namespace=metric["Namespace"],
                          stat=_stat(stat_block.get("Stat")))
    dimensions = _dimensions(metric.get("Dimensions"))
    if dimensions:
        watched.fields["dimensions"] = dimensions
    watched.fields["period"] = int(stat_block["Period"])
    for key, spec_key in (("Label", "label"), ("AccountId", "account")):
        if query.get(key):
            watched.fields[spec_key] = query[key]
    if stat_block.get("Unit"):
        watched.fields["unit"] = stat_block["Unit"]
    _account(query, watched)
    watched.namespaces.append(metric["Namespace"])
    watched.periods.append(int(stat_block["Period"]))


def _expression(top: dict[str, Any], stats: list[dict[str, Any]], intermediate: list[dict[str, Any]],
                watched: Watched) -> None:
    """Metric math (the returned expression over metrics and intermediate expressions) or a Metrics Insights
    query."""
    text = top["Expression"]
    if re.search(r"\bSEARCH\s*\(", text) or any(re.search(r"\bSEARCH\s*\(", q["Expression"]) for q in intermediate):
        # https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-search-expressions.html
        raise NotExpressible("a SEARCH expression, which CloudWatch does not evaluate in alarms (it returns many "
                             "time series)")
    if not stats and not intermediate:  # a Metrics Insights query, or a series such as TIME_SERIES(1)
        kind = "a Metrics Insights query" if re.match(r"\s*SELECT\b", text, re.I) else "an expression over no metric"
        if "anomaly" in watched.fields:
            raise NotExpressible(f"an anomaly band around {kind}")
        if not top.get("Period"):
            raise NotExpressible(f"{kind} without a period, which CloudWatch requires")
        watched.fields.update(query=text, period=int(top["Period"]))
        if top.get("Label"):
            watched.fields["label"] = top["Label"]
        watched.periods.append(int(top["Period"]))
        return
    if not stats:
        raise NotExpressible(f"expressions over no metric ({text[:80]}) beside intermediate expressions")
    if len(stats) > MAX_METRICS_PER_ALARM:
        raise NotExpressible(f"{len(stats)} metrics; CloudWatch allows {MAX_METRICS_PER_ALARM} per alarm")
    metrics: dict[str, Any] = {}
    for query in stats:
        _check_id(query["Id"])
        stat_block = query["MetricStat"]
        metric = stat_block["Metric"]
        spec: dict[str, Any] = {"metric": metric["MetricName"], "namespace": metric["Namespace"],
                                "stat": _stat(stat_block.get("Stat"))}
        dimensions = _dimensions(metric.get("Dimensions"))
        if dimensions:
            spec["dimensions"] = dimensions
        spec["period"] = int(stat_block["Period"])
        for key, spec_key in (("Label", "label"), ("AccountId", "account")):
            if query.get(key):
                spec[spec_key] = query[key]
        if stat_block.get("Unit"):
            spec["unit"] = stat_block["Unit"]
        _account(query, watched)
        metrics[query["Id"]] = spec
        watched.namespaces.append(metric["Namespace"])
        watched.periods.append(int(stat_block["Period"]))
    for query in intermediate:
        _check_id(query["Id"])
        entry: dict[str, Any] = {"expression": query["Expression"]}
        if query.get("Label"):
            entry["label"] = query["Label"]
        if query.get("Period"):
            entry["period"] = int(query["Period"])
        metrics[query["Id"]] = entry
    unknown = [i for q in (top, *intermediate) for i in metric_ids(q["Expression"]) if i not in metrics]
    if unknown:
        raise NotExpressible(f"the expression refers to {', '.join(dict.fromkeys(unknown))}, which the alarm does "
                             "not define")
    period = watched.periods[0]
    for spec in metrics.values():
        if "metric" in spec and spec["period"] == period:
            del spec["period"]  # the alarm's period
    watched.fields.update(expression=text, metrics=metrics, period=period)
    if top.get("Label"):
        watched.fields["label"] = top["Label"]
    if top.get("Period"):
        watched.fields["expression_period"] = int(top["Period"])


def _account(query: dict[str, Any], watched: Watched) -> None:
    """Note the account a metric comes from; one that is no account id is refused as CloudWatch would."""
    account = query.get("AccountId")
    if account is None:
        return
    if not _ACCOUNT_ID.match(str(account)):
        raise NotExpressible(f"metric {query['Id']} names account {account!r}, which is not a 12-digit AWS account id")
    watched.accounts.append(account)


def _check_id(query_id: str) -> None:
    if not _METRIC_ID.match(query_id) or query_id == EXPRESSION_ID:
        raise NotExpressible(f'metric id "{query_id}" cannot be kept ("{EXPRESSION_ID}" is reserved; ids start with '
                             "a lowercase letter)")


def _stat(value: str | None) -> str:
    try:
        return parse_stat(value)
    except ValueError:
        raise NotExpressible(f"statistic {value} is not one CloudWatch documents") from None


def _dimensions(dimensions: list[dict[str, str]] | None) -> dict[str, str]:
    return {d["Name"]: d["Value"] for d in sorted(dimensions or [], key=lambda d: d["Name"])}


def _number(value: float) -> float | int:
    return int(value) if value.is_integer() else value
