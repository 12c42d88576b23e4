"""Step Functions runs on moto's interpreter, with lambda:invoke tasks on the local workers."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from library_sample.stack import PREFIX


def _run(cloud: Any, machine_arn: str, payload: dict[str, Any], deadline_seconds: float = 30) -> dict[str, Any]:
    sfn = cloud.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=machine_arn, name=uuid.uuid4().hex, input=json.dumps(payload))
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        description = sfn.describe_execution(executionArn=execution["executionArn"])
        if description["status"] != "RUNNING":
            events = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
            return {**description, "history": [event["type"] for event in events]}
        time.sleep(0.1)
    raise AssertionError(f"the execution of {machine_arn} still runs after {deadline_seconds} s")


def test_a_workflow_with_a_choice_a_wait_and_a_lambda_task_succeeds_with_the_functions_answer(
    cloud: Any, outputs: dict[str, str]
) -> None:
    execution = _run(cloud, outputs["checkout_state_machine_arn"], {"isbn": "978-1", "kind": "loan"})

    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"]) == {"isbn": "978-1", "title": "Invisible Cities"}
    for state in ("ChoiceStateEntered", "WaitStateEntered", "TaskStateEntered", "TaskSucceeded"):
        assert state in execution["history"]


def test_the_choice_can_end_the_workflow_in_its_fail_state(cloud: Any, outputs: dict[str, str]) -> None:
    execution = _run(cloud, outputs["checkout_state_machine_arn"], {"isbn": "978-0", "kind": "reference"})

    assert execution["status"] == "FAILED"
    assert execution["error"] == "ReferenceBook"
    assert "WaitStateEntered" not in execution["history"]


def test_a_wait_for_task_token_task_ends_when_the_function_calls_back(cloud: Any) -> None:
    machine = f"arn:aws:states:{cloud.region}:{cloud.account}:stateMachine:{PREFIX}-hold"

    execution = _run(cloud, machine, {"isbn": "978-1"})

    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"]) == {"held": "978-1", "by": f"{PREFIX}-hold"}
