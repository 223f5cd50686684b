"""Read the environment files: each validated against its model and its name checked against its file name."""

from __future__ import annotations

from urllib.parse import urlsplit

from vigil.spec.environment import LOCAL_ACCOUNT, EnvironmentSpec, SlackChannel
from vigil.spec.errors import SpecError, SpecProblem
from vigil.spec.loader import LoadedDocument, parse
from vigil.spec.validation import validate_document
from vigil.spec.workspace import Sources


def load_environments(sources: Sources, problems: list[SpecProblem]) -> list[tuple[EnvironmentSpec, LoadedDocument]]:
    """Every environment file that validates, with its document; problems are appended."""
    loaded = []
    for source in sources.environments:
        try:
            document = parse(source.path, source.text)
            spec = validate_document(document, EnvironmentSpec)
        except SpecError as error:
            problems.extend(error.problems)
            continue
        if spec.name != source.stem:
            problems.append(document.problem(("name",), f'expected "{source.stem}" to match the file name, '
                                                       f'got "{spec.name}"'))
            continue
        problems.extend(_check_environment(spec, document))
        loaded.append((spec, document))
    return loaded


def _check_environment(spec: EnvironmentSpec, document: LoadedDocument) -> list[SpecProblem]:
    problems = []
    for severity, channels in spec.routes.items():
        for index, channel in enumerate(channels):
            if channel not in spec.channels:
                known = ", ".join(sorted(spec.channels)) or "none defined"
                problems.append(document.problem(("routes", severity, index),
                                                 f'unknown channel "{channel}"; channels: {known}'))
    if spec.local and spec.account != LOCAL_ACCOUNT:
        problems.append(document.problem(("local",), f"a local environment must use LocalStack's account "
                                                     f"{LOCAL_ACCOUNT}, got {spec.account}"))
    for name, channel in spec.channels.items():
        if channel.endpoint is not None:
            if not spec.local:
                problems.append(document.problem(("channels", name, "endpoint"),
                                                 "only allowed in a local environment (local: true)"))
            elif urlsplit(channel.endpoint).hostname not in ("127.0.0.1", "localhost", "::1"):
                problems.append(document.problem(("channels", name, "endpoint"),
                                                 f"expected a loopback URL (127.0.0.1 or localhost), got "
                                                 f'"{channel.endpoint}"'))
            continue
        if isinstance(channel, SlackChannel):
            chatbot = channel.workspace_id is not None or channel.channel_id is not None
            if chatbot and channel.webhook is not None:
                problems.append(document.problem(("channels", name, "webhook"),
                                                 "expected either webhook or workspace_id + channel_id, not both"))
            elif chatbot and (channel.workspace_id is None or channel.channel_id is None):
                missing = "channel_id" if channel.channel_id is None else "workspace_id"
                problems.append(document.problem(("channels", name, missing),
                                                 "required field is missing; AWS Chatbot needs workspace_id "
                                                 "and channel_id"))
            elif not chatbot and channel.webhook is None:
                problems.append(document.problem(("channels", name),
                                                 "expected webhook, or workspace_id and channel_id"))
    return problems
