"""Rules a spec model checks across its own fields (exactly one of metric, expression or composite; a webhook
or AWS Chatbot ids ...), reported like any field error: one `file:line: field: message` line each.

A model's `model_validator(mode="after")` collects its problems in a `RuleProblems`, each at a path below the
model, and raises them together with `raise_any`; vigil/spec/validation.py places each at its path.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

RULE_ERROR = "spec_rule"
"""The pydantic error type of a rule's problem; its context holds the message and the path below the model."""


class RuleProblems:
    """The problems one model validator finds, in the order found."""

    def __init__(self) -> None:
        self._details: list[InitErrorDetails] = []

    def add(self, path: tuple[str | int, ...], message: str, value: Any = None) -> None:
        """A problem at `path` below the model (() for the model itself); `value` is what was found there."""
        error = PydanticCustomError(RULE_ERROR, "{message}", {"message": message, "path": path})
        self._details.append(InitErrorDetails(type=error, loc=(), input=value))

    def __bool__(self) -> bool:
        return bool(self._details)

    def raise_any(self, model: type) -> None:
        """Raise every problem found as one ValidationError of `model`; nothing when there is none."""
        if self._details:
            raise ValidationError.from_exception_data(model.__name__, self._details)
