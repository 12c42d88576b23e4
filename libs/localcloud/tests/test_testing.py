"""localcloud.testing: a stack's resources in moto in process, and the one fake Lambda context."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from localcloud.stack import Attribute, Function, GlobalSecondaryIndex, Queue, Stack, Table
from localcloud.testing import lambda_context

SAMPLE = Stack(
    name="bakery",
    tables=(
        Table(
            name="bakery-loaves",
            hash_key=Attribute(name="pk"),
            range_key=Attribute(name="sk"),
            stream_view="NEW_AND_OLD_IMAGES",
            ttl_attribute="expires_at",
            global_secondary_indexes=(GlobalSecondaryIndex(name="by_kind", hash_key=Attribute(name="kind")),),
            seed_items=({"pk": "OVEN", "sk": "CAPACITY", "capacity": 3},),
        ),
    ),
    queues=(
        Queue(name="bakery-orders.fifo", fifo=True, dead_letter_queue="bakery-orders-dlq.fifo"),
        Queue(name="bakery-orders-dlq.fifo", fifo=True),
    ),
    functions=(
        Function(
            name="bakery-bake",
            handler="bakery.bake.handler",
            environment={"ORDERS_URL": "${queue.bakery-orders.fifo.url}", "TABLE": "${table.bakery-loaves.name}"},
        ),
    ),
    outputs={"orders_queue_url": "${queue.bakery-orders.fifo.url}"},
)


# mock_aws resets moto's process-wide backends when it stops, and this session's local cloud runs moto in this
# very process: building the sample in a child process keeps the session cloud's functions and tables alive.
_BUILD_THE_SAMPLE = """
import pytest
from tests.test_testing import SAMPLE
from localcloud.testing import moto_stack

with pytest.MonkeyPatch.context() as monkeypatch, moto_stack(SAMPLE) as cloud:
    table = cloud.client("dynamodb").describe_table(TableName="bakery-loaves")["Table"]
    assert [key["AttributeName"] for key in table["KeySchema"]] == ["pk", "sk"]
    assert table["GlobalSecondaryIndexes"][0]["IndexName"] == "by_kind"
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    seeded = cloud.client("dynamodb").get_item(
        TableName="bakery-loaves", Key={"pk": {"S": "OVEN"}, "sk": {"S": "CAPACITY"}}
    )
    assert seeded["Item"]["capacity"] == {"N": "3"}
    attributes = cloud.client("sqs").get_queue_attributes(
        QueueUrl=cloud.queue_url("bakery-orders.fifo"), AttributeNames=["All"]
    )["Attributes"]
    assert attributes["FifoQueue"] == "true" and "bakery-orders-dlq.fifo" in attributes["RedrivePolicy"]

    environment = cloud.use_environment(monkeypatch, "bakery-bake")
    assert environment["ORDERS_URL"] == cloud.outputs["bakery"]["orders_queue_url"]
    assert environment["TABLE"] == "bakery-loaves"
print("built as declared")
"""


def test_the_stack_is_built_in_moto_as_declared() -> None:
    child = subprocess.run(
        [sys.executable, "-c", _BUILD_THE_SAMPLE],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "built as declared"


def test_the_fake_context_answers_what_handlers_read():
    context = lambda_context(remaining_millis=1_500)
    assert context.get_remaining_time_in_millis() == 1_500
    assert (
        context.function_name and context.aws_request_id and context.invoked_function_arn.startswith("arn:aws:lambda")
    )
