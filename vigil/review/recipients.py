"""Who is notified: the one answer `plan`, `diff` and the routing map all give, derived from the plan's facts
(an alarm's severity, its actions and whether they are enabled, and the environment's routes)."""

from __future__ import annotations

from vigil.plan.model import AlarmPlan, Channel, EnvironmentPlan
from vigil.spec.environment import EmailChannel, PagerDutyChannel


def channel_kind(channel: Channel) -> str:
    """A short word for a channel's delivery: pagerduty, slack-chatbot, slack-webhook or email."""
    if isinstance(channel, PagerDutyChannel):
        return "pagerduty"
    if isinstance(channel, EmailChannel):
        return "email"
    return "slack-webhook" if channel.webhook is not None else "slack-chatbot"


def notifies(alarm: AlarmPlan) -> bool:
    """Whether an alarm sends anything at all: its actions are enabled and it has an ALARM action (its severity
    topic). SLO burn-window children and traffic guards have their actions disabled: they notify nobody."""
    return alarm.actions_enabled and bool(alarm.alarm_actions)


def notified(plan: EnvironmentPlan | None, alarm: AlarmPlan) -> tuple[str, ...]:
    """The channels an alarm reaches in `plan`: its severity's route, or none when it notifies nobody."""
    if plan is None or not notifies(alarm):
        return ()
    return plan.routes.get(alarm.severity, ())


def names(channels: tuple[str, ...]) -> str:
    """`a, b`, or `nobody`."""
    return ", ".join(channels) if channels else "nobody"


def alarm_named(plan: EnvironmentPlan | None, service: str, name: str | None) -> AlarmPlan | None:
    """The alarm `name` of `service` in `plan` (None when either is absent)."""
    if plan is None or name is None:
        return None
    return next((a for s in plan.services if s.name == service for a in s.alarms if a.name == name), None)


def notified_by_name(plan: EnvironmentPlan | None, service: str, name: str | None) -> tuple[str, ...]:
    """`notified` for an alarm known by name (an SLO's page or ticket alarm, a canary's alarm)."""
    alarm = alarm_named(plan, service, name)
    return notified(plan, alarm) if alarm is not None else ()
