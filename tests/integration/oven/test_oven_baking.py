"""The oven, running: pizzas in through NewItems, out through BakedItems, within its capacity, in order.

Run under ``--localcloud-chaos`` (make test-chaos) every delivery reaches its function at least twice; the
assertions are the same.
"""

from __future__ import annotations

import json
from datetime import datetime
from itertools import pairwise

import pytest
from oven_target import LoadSampler, OvenTarget, run_ids

from localcloud.polling import eventually


def test_a_hundred_pizzas_come_out_once_each_and_never_more_than_fit_in_the_oven(oven: OvenTarget, localcloud):
    capacity = oven.client.load()["capacity"]
    ids = run_ids(100, "hundred")
    with LoadSampler(oven.client) as sampler:
        oven.send(ids, baking_time_secs=1)
        oven.wait_until_baked(ids)
        load = oven.wait_until_idle()

    assert sampler.max_in_use <= capacity
    assert sampler.max_in_use == capacity, "the oven never filled up: the test proved little"
    assert load == {"capacity": capacity, "in_use": 0, "waiting": 0}
    executions = oven.ended_executions(ids)
    assert {name: [run["status"] for run in runs] for name, runs in executions.items()} == {
        pizza_id: ["SUCCEEDED"] for pizza_id in ids
    }
    pizzas = oven.pizzas(ids)
    assert {pizza["state"] for pizza in pizzas.values()} == {"baked"}
    assert len(pizzas) == 100
    oven.collect_baked()  # anything shelved twice would be there by now: every removal has finished
    assert {pizza_id: oven.baked[pizza_id] for pizza_id in ids} == {pizza_id: 1 for pizza_id in ids}
    if localcloud.chaos:  # the duplicates did arrive, and were recognised
        log = (localcloud.cloud.log_dir / "pizza-oven-bake.log").read_text()
        assert any(f'"pizza":"{pizza_id}","outcome":"duplicate"' in log for pizza_id in ids)


def test_waiting_pizzas_are_baked_before_later_arrivals_and_in_the_order_they_joined(oven: OvenTarget):
    """Slow pizzas fill the oven; early pizzas then wait; late pizzas arrive one by one behind them.

    Every late pizza joins the line, every early pizza gets its slot before any late one, and the late ones
    get theirs in the order they arrived. The slow pizzas hold every slot while the late ones are sent, so the
    line cannot move in the meantime, however slow the machine (checked, not assumed).
    """
    oven.wait_until_idle()
    capacity = oven.client.load()["capacity"]
    slow, early, late = run_ids(capacity, "slow"), run_ids(capacity, "early"), run_ids(8, "late")
    oven.send(slow, baking_time_secs=30)  # long enough for the late ones to be sent one by one
    eventually(lambda: len(oven.pizzas(slow)) == capacity, "the slow pizzas in every slot", timeout=120)
    oven.send(early, baking_time_secs=1)
    eventually(lambda: len(oven.pizzas(early)) == capacity, "every early pizza in the line", timeout=120)
    for pizza_id in late:  # one by one: the order they join the line is the order they are sent
        oven.send([pizza_id], baking_time_secs=1)
        eventually(lambda pizza_id=pizza_id: oven.pizzas([pizza_id]), f"{pizza_id} accepted", timeout=120)
    still_baking = {pizza["state"] for pizza in oven.pizzas(slow).values()}
    assert still_baking == {"baking"}, "a slow pizza came out before the late ones were sent: make it slower"
    oven.wait_until_baked(slow + early + late)
    oven.wait_until_idle()

    pizzas = oven.pizzas(early + late)
    assert {pizzas[pizza_id]["route"] for pizza_id in early + late} == {"line"}
    # The order is the order slots are given (one transaction each, while the line's head is held); each
    # baking then starts once the line is free for the next taker, so two starts may swap by milliseconds,
    # but none comes before the slot of the pizza ahead of it was given.
    allocated = {pizza_id: datetime.fromisoformat(pizzas[pizza_id]["allocated_at"]) for pizza_id in early + late}
    assert max(allocated[pizza_id] for pizza_id in early) <= min(allocated[pizza_id] for pizza_id in late)
    late_allocations = [allocated[pizza_id] for pizza_id in late]
    assert late_allocations == sorted(late_allocations)
    started = oven.start_times(early + late)
    assert min(started[pizza_id] for pizza_id in late) >= max(allocated[pizza_id] for pizza_id in early)
    assert all(started[after] >= allocated[before] for before, after in pairwise(late))


def _dead_letter_queue_url(oven: OvenTarget) -> str:
    sqs = oven.client.sqs
    attributes = sqs.get_queue_attributes(QueueUrl=oven.outputs.new_items_queue_url, AttributeNames=["RedrivePolicy"])
    dlq_name = json.loads(attributes["Attributes"]["RedrivePolicy"])["deadLetterTargetArn"].split(":")[-1]
    return sqs.get_queue_url(QueueName=dlq_name)["QueueUrl"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"id": "has spaces", "bakingTimeSecs": 1}', "id: String should match pattern"),
        ('{"id": "REPLACE", "bakingTimeSecs": 0}', "bakingTimeSecs: Input should be greater than or equal to 1"),
        ("REPLACE is not JSON", "body: Invalid JSON"),
        ('{"id": "REPLACE", "id": "REPLACE-2", "bakingTimeSecs": 1}', "body: holds the name 'id' twice in one object"),
    ],
)
def test_a_message_that_can_never_be_baked_goes_to_the_dead_letter_queue_with_its_reason(oven, body, reason):
    (marker,) = run_ids(1, "invalid")
    body = body.replace("REPLACE", marker)
    ids = run_ids(3, "behind-invalid")
    oven.client.sqs.send_message(QueueUrl=oven.outputs.new_items_queue_url, MessageBody=body)
    oven.send(ids, baking_time_secs=1)
    dlq = _dead_letter_queue_url(oven)

    def rejected():
        sqs = oven.client.sqs
        messages = sqs.receive_message(
            QueueUrl=dlq, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=1
        ).get("Messages", [])
        for message in messages:  # others' rejects go straight back
            if message["Body"] != body:
                sqs.change_message_visibility(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
        return next((m for m in messages if m["Body"] == body), None)

    message = eventually(rejected, "the invalid message on the NewItems dead-letter queue", timeout=120)
    assert reason in message["MessageAttributes"]["RejectedReason"]["StringValue"]
    oven.wait_until_baked(ids)  # it held nothing up
