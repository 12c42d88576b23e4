"""The oven never leaks a slot and never loses a pizza: reused ids, executions that end early, starts without
an answer, all repaired or rejected with a reason, through the oven's own doors and its reconciler.

Run under ``--localcloud-chaos`` (make test-chaos) every delivery reaches its function at least twice; the
assertions are the same.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from oven_target import OvenTarget, run_ids

import localcloud
from localcloud.polling import eventually
from pizza_oven.client import OvenClient, OvenOutputs
from pizza_oven.stack import stack


def _rejections(client: OvenClient, pizza_id: str, seen: list[dict]) -> list[dict]:
    """DLQ messages of this pizza (the DLQ is shared by the session: others' are read and left aside)."""
    seen.extend(client.rejected())
    return [message for message in seen if _pizza_id(message["body"]) == pizza_id]


def _failed_by_reconciler_passes(localcloud, since: datetime) -> int:
    """Pizzas failed by the reconciler's passes logged since then: the test's own and the scheduled ones."""
    failed = 0
    for line in (localcloud.cloud.log_dir / "pizza-oven-reconcile.log").read_text().splitlines():
        if '"message":"oven reconciled"' not in line:
            continue
        record = json.loads(line)
        if datetime.strptime(record["timestamp"], "%Y-%m-%d %H:%M:%S,%f%z") >= since:
            failed += record["failed"]
    return failed


def _pizza_id(body: str) -> str | None:
    try:
        document = json.loads(body)
    except ValueError:  # others' rejects include bodies that are not JSON at all
        return None
    return document.get("id") if isinstance(document, dict) else None


def test_a_reused_pizza_id_is_rejected_to_the_dead_letter_queue_with_its_reason(oven: OvenTarget):
    [pizza_id] = run_ids(1, "reused")
    oven.send([pizza_id], baking_time_secs=1)
    oven.wait_until_baked([pizza_id])

    oven.send([pizza_id], baking_time_secs=2)  # another order, the same id
    seen: list[dict] = []
    rejected = eventually(lambda: _rejections(oven.client, pizza_id, seen), "the reuse on the DLQ", timeout=60)

    assert json.loads(rejected[0]["body"]) == {"id": pizza_id, "bakingTimeSecs": 2}
    assert "already used by another message" in rejected[0]["reason"]
    oven.collect_baked()
    assert oven.baked[pizza_id] == 1  # baked once, and only the first order
    assert oven.pizzas([pizza_id])[pizza_id]["baking_time_secs"] == "1"


@pytest.mark.localcloud_only
def test_a_pizza_whose_execution_is_stopped_before_its_time_frees_its_slot_and_reaches_the_dlq_with_the_reason(
    oven: OvenTarget, localcloud
):
    [pizza_id] = run_ids(1, "aborted")
    oven.send([pizza_id], baking_time_secs=120)
    runs = eventually(lambda: oven.executions([pizza_id]).get(pizza_id), "its baking execution", timeout=60)
    stopped_at = datetime.now(UTC)
    oven.stepfunctions.stop_execution(executionArn=runs[0]["executionArn"], error="Oven.Door", cause="opened")

    eventually(
        lambda: oven.client.reconcile() if oven.pizzas([pizza_id])[pizza_id]["state"] == "baking" else None,
        "a reconciler pass while it still holds its slot",
        timeout=30,
    )
    seen: list[dict] = []
    [rejected] = eventually(lambda: _rejections(oven.client, pizza_id, seen), "the pizza on the DLQ", timeout=60)

    # This pass, or a scheduled one (every minute, twice under chaos) that came between the look and this pass.
    eventually(
        lambda: _failed_by_reconciler_passes(localcloud, since=stopped_at) >= 1, "a pass that failed it", timeout=30
    )
    assert "ABORTED" in rejected["reason"] and "of 120 s" in rejected["reason"]
    record = oven.pizzas([pizza_id])[pizza_id]
    assert record["state"] == "failed" and "ABORTED" in record["failure"]
    load = localcloud.client("dynamodb").get_item(
        TableName=oven.outputs.oven_table, Key={"pk": {"S": "OVEN#LOAD"}}, ConsistentRead=True
    )["Item"]
    assert f"slot_{pizza_id}" not in load  # its slot is free
    assert oven.client.reconcile()["failed"] == 0  # a second pass finds nothing left to fail
    assert len(_rejections(oven.client, pizza_id, seen)) == 1


# --- a start that never got an answer: an oven of its own whose bake function cannot reach Step Functions ---

PREFIX = "ovenmute"
REGION = "us-east-1"


def _oven_whose_starts_get_no_answer():
    """The oven's stack, with its bake function's Step Functions endpoint unreachable (no answer at all, so
    the start is not definite), quick retries, and a reconciler that takes over after a second."""
    oven = stack(PREFIX, capacity=2, reconcile_schedule="rate(1 day)")
    functions = []
    for function in oven.functions:
        environment = {**function.environment, "START_GRACE_SECS": "1"}
        if function.name == f"{PREFIX}-oven-bake":
            environment["AWS_ENDPOINT_URL_SFN"] = "http://127.0.0.1:9"  # Step Functions (SFN): nothing answers
            environment["FUNCTION_TIMEOUT_SECS"] = "3"
            functions.append(function.model_copy(update={"timeout": 3, "environment": environment}))
        else:
            functions.append(function.model_copy(update={"environment": environment}))
    queues = tuple(
        queue.model_copy(update={"visibility_timeout": 3, "max_receive_count": 2})
        if queue.name == f"{PREFIX}-oven-new-items"
        else queue
        for queue in oven.queues
    )
    return oven.model_copy(update={"functions": tuple(functions), "queues": queues})


@pytest.mark.localcloud_only
def test_a_slot_whose_start_never_got_an_answer_is_started_by_the_reconciler_after_its_message_died(tmp_path):
    with localcloud.start([_oven_whose_starts_get_no_answer()], region=REGION, state_dir=tmp_path) as cloud:
        client = OvenClient(OvenOutputs.of_service(cloud.outputs["oven"], cloud.endpoint, cloud.region))
        [pizza_id] = run_ids(1, "mute")
        client.send([{"id": pizza_id, "bakingTimeSecs": 1}])

        # Its message gives up (to the DLQ) while the pizza keeps the slot it took: the start may have happened.
        eventually(lambda: client.rejected() or None, "its message on the DLQ after its retries", timeout=120)
        assert client.load()["in_use"] == 1

        done = client.reconcile()
        assert done["started"] == 1

        def baked():
            return [pizza for pizza in client.receive_baked(wait_secs=0) if pizza["id"] == pizza_id] or None

        eventually(baked, "the pizza on BakedItems", timeout=60)
        eventually(lambda: client.load()["in_use"] == 0, "its slot free again", timeout=30)
