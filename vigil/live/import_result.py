"""What an import reads and writes, shared by the readers of alarms (vigil/live/importer.py), log groups and
X-Ray groups (vigil/live/import_logs.py) and dashboards (vigil/live/import_dashboards.py): the options, the
result with its notes, the alarms on their way into specs, and how names and files are written."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from vigil.live.aws import Progress, pages
from vigil.spec.types import Severity

SERVICE_TAGS = ("service", "Service", "app", "application")
MAX_SERVICE = 40
"""Characters in a service name (vigil/spec/types.py Name)."""
DEFAULT_SERVICE = "imported"


@dataclass(frozen=True)
class ImportOptions:
    """How to read an account: the environment the specs are for and how to infer services and severities.

    `prefixes` maps an alarm-name prefix to a service (longest prefix wins); `topic_severities` maps an SNS
    topic name to the severity of the alarms notifying it (else inferred from words such as critical, warn).
    """

    env: str
    account: str | None = None
    service_tags: tuple[str, ...] = SERVICE_TAGS
    prefixes: dict[str, str] = field(default_factory=dict)
    topic_severities: dict[str, Severity] = field(default_factory=dict)
    default_service: str = DEFAULT_SERVICE


@dataclass(frozen=True)
class Note:
    """One thing the import could not carry over exactly. `kind`: skipped (not written), approximated (written,
    differs as stated), renamed (deployed under a new name), not-imported (no spec for this kind), todo."""

    kind: str
    subject: str
    message: str


@dataclass
class ImportResult:
    """What an import read and what it writes. `files` maps a path relative to the output root to its text;
    `names` maps each imported alarm's original name to the name vigil deploys it under; `topics` each SNS
    topic's ARN to the severity its alarms were imported with."""

    env: str
    account: str
    region: str
    files: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    topics: dict[str, Severity] = field(default_factory=dict)
    """The severity each SNS topic the alarms notified was routed as, by topic ARN."""
    placed: dict[str, str] = field(default_factory=dict)
    """The service of every alarm read, imported or not, by its original name."""

    def note(self, kind: str, subject: str, message: str) -> None:
        """Record a note (once), each part on one line of readable text (an AWS error body may be a whole HTML
        page)."""
        note = Note(kind, plain_note(subject), plain_note(message))
        if note not in self.notes:
            self.notes.append(note)

    def read_all(self, client: Any, operation: str, key: str, subject: str) -> list[dict[str, Any]] | None:
        """Every item of a paginated listing; None, with a not-imported note naming `subject`, when the account
        or the API cannot answer it (an import goes on with what it could read)."""
        try:
            return list(pages(client, operation, key))
        except Exception as error:
            self.note("not-imported", subject, f"could not be read: {error}")
            return None

    def read_counted(self, client: Any, operation: str, key: str, subject: str, count: str,
                     progress: Progress) -> list[dict[str, Any]] | None:
        """`read_all`, then the number read recorded as `counts[count]` and reported to `progress`."""
        items = self.read_all(client, operation, key, subject)
        if items is not None:
            self.counts[count] = len(items)
            progress(f"import: read {len(items)} {subject}")
        return items


NOTE_MAX = 300
"""Characters of one report item's subject or message (longer ones, such as AWS error bodies, are cut)."""


def plain_note(text: str, limit: int = NOTE_MAX) -> str:
    """`text` as one line of plain text: markup dropped, entities decoded, whitespace collapsed, cut to `limit`
    characters with an ellipsis."""
    text = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", text, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^<>]{0,2000}>", " ", text))
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


@dataclass
class ImportedAlarm:
    """An alarm on its way into a spec: where it goes and its spec entry."""

    original: dict[str, Any]
    service: str
    key: str
    severity: Severity
    entry: dict[str, Any]
    namespaces: list[str] = field(default_factory=list)
    periods: list[int] = field(default_factory=list)


def service_name(value: str) -> str | None:
    """A service name from a tag value or a name's first word: lower case words joined by `-` (`OrdersApi`,
    `orders_api` -> `orders-api`), starting with a letter, at most 40 characters; None when nothing is left."""
    name = re.sub(r"[^a-z0-9-]+", "-", words(value)).strip("-")
    name = re.sub(r"-{2,}", "-", re.sub(r"^[^a-z]+", "", name))[:MAX_SERVICE].rstrip("-")
    return name or None


def words(value: str) -> str:
    """`DummyApiLatency` -> `dummy-api-latency`, `CPUUtilization` -> `cpu-utilization`, `5XXError` -> `5xx-error`:
    word boundaries of camel case made explicit, in lower case."""
    text = re.sub(r"([a-z])([A-Z])", r"\1-\2", value)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", text)
    return text.lower()


def spec_key(value: str) -> str:
    """A spec key (alarm, channel, metric filter) from a deployed name: unsupported characters become `-`, at most
    128 characters; `alarm` when nothing is left."""
    key = re.sub(r"[^A-Za-z0-9_.-]+", "-", value).strip("-_.")
    return key[:128] or "alarm"


class _Dumper(yaml.SafeDumper):
    """Block style, keys in insertion order, long strings unwrapped."""


def spec_yaml(document: dict[str, Any], header: str) -> str:
    """A spec file's text: `# header`, then the document as block YAML, wrapped in `{% raw %}` when a value
    would otherwise read as Jinja2."""
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                     width=10_000)
    text = f"# {header}\n{body}"
    if any(token in body for token in ("{{", "{%", "{#")):  # spec files are Jinja2 templates: keep values literal
        text = f"# {header}\n{{% raw %}}\n{body}{{% endraw %}}\n"
    return text
