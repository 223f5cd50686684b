"""What every vigil stack shares: its name, account and region, termination protection and tags."""

from __future__ import annotations

from collections.abc import Iterable

import aws_cdk as cdk
from constructs import Construct

from vigil import naming
from vigil.plan.model import EnvironmentPlan


class VigilStack(cdk.Stack):
    """A stack named `name` both as construct id and as CloudFormation stack name, in `account` and `region`,
    with termination protection when `protected`. `tags` (plus managed-by) tag the stack and, through
    `Tags.of`, every resource in it; with `tag_resources` False only the stack itself, for stacks that tag
    their resources directly (`resource_tags`)."""

    def __init__(self, scope: Construct, name: str, *, account: str, region: str, protected: bool,
                 description: str, tags: Iterable[tuple[str, str]], tag_resources: bool = True) -> None:
        self.resource_tags: tuple[tuple[str, str], ...] = naming.stack_tags(tags)
        super().__init__(
            scope, name,
            stack_name=name,
            env=cdk.Environment(account=account, region=region),
            description=description,
            termination_protection=protected,
            tags=None if tag_resources else dict(self.resource_tags),
        )
        if tag_resources:
            self.tag(self)

    def tag(self, scope: Construct) -> None:
        """Tag every taggable resource under `scope` (an aspect, applied at synthesis) with the stack's tags."""
        for key, value in self.resource_tags:
            cdk.Tags.of(scope).add(key, value)


class EnvironmentStack(VigilStack):
    """A VigilStack in one environment's (target's) account and region; protected environments get termination
    protection. `account` deploys it elsewhere than the environment's account (the monitoring account, with
    central routing)."""

    def __init__(self, scope: Construct, name: str, *, environment: EnvironmentPlan, description: str,
                 tags: Iterable[tuple[str, str]], tag_resources: bool = True, account: str | None = None) -> None:
        super().__init__(scope, name, account=account or environment.account, region=environment.region,
                         protected=environment.protected, description=description, tags=tags,
                         tag_resources=tag_resources)
