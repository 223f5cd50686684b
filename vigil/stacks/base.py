"""What every vigil stack shares: its name, account and region, termination protection and tags."""

from __future__ import annotations

from collections.abc import Iterable

import aws_cdk as cdk
from constructs import Construct

from vigil.plan.model import EnvironmentPlan


class EnvironmentStack(cdk.Stack):
    """A stack deployed to one environment's account and region, named `name` both as construct id and as
    CloudFormation stack name. Protected environments get termination protection."""

    def __init__(self, scope: Construct, name: str, *, environment: EnvironmentPlan, description: str,
                 tags: Iterable[tuple[str, str]]) -> None:
        super().__init__(
            scope, name,
            stack_name=name,
            env=cdk.Environment(account=environment.account, region=environment.region),
            description=description,
            termination_protection=environment.protected,
        )
        for key, value in (*tags, ("managed-by", "vigil")):
            cdk.Tags.of(self).add(key, value)
