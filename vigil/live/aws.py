"""The AWS boundary: every boto3 client vigil uses is built here, from a region, an optional profile and an
optional endpoint URL. Tests build an AwsSession inside moto's mock and pass it to the commands."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

Progress = Callable[[str], None]
"""Receives one line of progress for long runs (the CLI prints them to stderr)."""


def no_progress(_: str) -> None:
    """A Progress that discards everything."""


def stderr_progress(message: str) -> None:
    """A Progress that prints to stderr, keeping stdout for the report."""
    print(message, file=sys.stderr, flush=True)


class AwsError(Exception):
    """A problem talking to AWS that the user can act on (credentials, permissions, wrong account)."""


class UsageError(ValueError):
    """A command-line value that cannot be used, e.g. `--prefix` without `=`."""


class AwsSession:
    """Creates and caches boto3 clients for one region (and optional named profile and endpoint URL)."""

    def __init__(self, region: str, *, profile: str | None = None, endpoint_url: str | None = None) -> None:
        import boto3

        self.region = region
        self.endpoint_url = endpoint_url
        self._profile = profile
        self._session = boto3.Session(profile_name=profile, region_name=region)
        self._clients: dict[str, Any] = {}

    def in_region(self, region: str) -> AwsSession:
        """A session with the same credentials and endpoint in `region` (this one when it is the same)."""
        if region == self.region:
            return self
        return AwsSession(region, profile=self._profile, endpoint_url=self.endpoint_url)

    def client(self, service: str) -> Any:
        """The boto3 client of `service` (cloudwatch, logs, sns, xray, sts) in this session's region."""
        if service not in self._clients:
            from botocore.config import Config

            self._clients[service] = self._session.client(
                service, region_name=self.region, endpoint_url=self.endpoint_url,
                config=Config(retries={"mode": "adaptive", "max_attempts": 10}, user_agent_extra="vigil"),
            )
        return self._clients[service]

    def account(self) -> str:
        """The account id the credentials belong to."""
        return str(self.client("sts").get_caller_identity()["Account"])


def pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    """Every item under `key` of every page of a paginated operation, e.g. pages(logs, "describe_log_groups",
    "logGroups")."""
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def check_account(session: AwsSession, expected: str, env: str) -> None:
    """Refuse to work on an account other than the environment's: raises AwsError naming both."""
    try:
        actual = session.account()
    except Exception as error:
        raise AwsError(f"cannot identify the AWS account of the credentials: {error}") from None
    if actual != expected:
        raise AwsError(f"the credentials are for account {actual}, but environment {env} is account {expected}; "
                       f"use a profile for {expected} (--profile)")
