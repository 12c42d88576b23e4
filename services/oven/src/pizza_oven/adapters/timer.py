"""Baking with Step Functions: one execution per pizza, named after it, so a pizza cannot bake twice."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from pizza_oven.domain.model import Pizza
from pizza_oven.ports import Execution, Started, StartFailed

__all__ = ["StepFunctionsTimer", "execution_arn"]


def execution_arn(state_machine_arn: str, name: str) -> str:
    return f"{state_machine_arn.replace(':stateMachine:', ':execution:', 1)}:{name}"


class StepFunctionsTimer:
    """The :class:`~pizza_oven.ports.BakeTimer` port on the baking state machine."""

    def __init__(self, state_machine_arn: str, client: Any) -> None:
        self.state_machine_arn = state_machine_arn
        self.client = client

    def start(self, pizza: Pizza) -> tuple[Started, str]:
        arn = execution_arn(self.state_machine_arn, pizza.id)
        try:
            # The same name and input while it runs is answered with the same execution (idempotent).
            response = self.client.start_execution(
                stateMachineArn=self.state_machine_arn,
                name=pizza.id,
                input=json.dumps(pizza.to_message(), sort_keys=True),
            )
            return Started.NOW, response["executionArn"]
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return self._existing(arn), arn
            return self._after_failure(
                arn, f"{error.response['Error']['Code']}: {error.response['Error'].get('Message', '')}"
            )
        except BotoCoreError as error:  # no answer at all: it may have started
            return self._after_failure(arn, str(error))

    def _existing(self, arn: str) -> Started:
        status = self.client.describe_execution(executionArn=arn)["status"]
        return Started.EARLIER if status in ("RUNNING", "PENDING_REDRIVE") else Started.FINISHED

    def _after_failure(self, arn: str, reason: str) -> tuple[Started, str]:
        """Whatever the failure, an earlier attempt (or this one) may have started the pizza: look.

        The failure is definite (its slot may go back) only when Step Functions confirms that no execution
        of that name exists.
        """
        try:
            return self._existing(arn), arn
        except ClientError as error:
            if error.response["Error"]["Code"] in ("ExecutionDoesNotExist", "StateMachineDoesNotExist"):
                raise StartFailed(reason, definite=True) from error
            raise StartFailed(f"{reason} (and could not check: {error})", definite=False) from error
        except BotoCoreError as error:
            raise StartFailed(f"{reason} (and could not check: {error})", definite=False) from error

    def execution(self, pizza: Pizza) -> Execution | None:
        try:
            found = self.client.describe_execution(executionArn=execution_arn(self.state_machine_arn, pizza.id))
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionDoesNotExist":
                return None
            raise
        return Execution(
            status=found["status"],
            started_at=found["startDate"],
            stopped_at=found.get("stopDate"),
            error=found.get("error"),
            cause=found.get("cause"),
        )
