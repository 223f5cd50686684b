"""What an import reads and writes, shared by the readers of alarms (vigil/live/importer.py), log groups and
X-Ray groups (vigil/live/import_logs.py) and dashboards (vigil/live/import_dashboards.py): the options, the
result with its notes, the alarms on their way into specs, and how names and files are written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from vigil.live.aws import Progress, pages
from vigil.spec.types import Severity

SERVICE_TAGS = ("service", "Service", "app", "application")
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
    `names` maps each imported alarm's original name to the name vigil deploys it under."""

    env: str
    account: str
    region: str
    files: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def note(self, kind: str, subject: str, message: str) -> None:
        """Record a note."""
        self.notes.append(Note(kind, subject, message))

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
    """A service name from a tag value or a name's first word: lower case letters, digits and `-`, starting with
    a letter, at most 40 characters; None when nothing is left."""
    name = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")
    name = re.sub(r"^[^a-z]+", "", name)[:40].rstrip("-")
    return name or None


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
