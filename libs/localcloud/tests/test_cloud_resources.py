"""LocalCloud creates every resource of a stack as its Terraform module would, and writes the outputs."""

from __future__ import annotations

import gc
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from library_sample.stack import PREFIX

from localcloud.cloud import LocalCloud, render_template
from localcloud.polling import eventually
from localcloud.stack import Attribute, Function, Queue, Stack, Table


def test_outputs_json_holds_the_endpoint_region_and_each_services_resolved_outputs(cloud: Any, localcloud: Any) -> None:
    document = json.loads(Path(cloud.outputs_path).read_text())

    assert document["endpoint"] == cloud.endpoint
    assert document["region"] == cloud.region
    library = document["services"]["library"]
    assert library == localcloud.outputs["library"]
    assert library["books_table"] == f"{PREFIX}-books"
    assert library["api_url"].startswith("http://127.0.0.1:")
    assert library["returns_queue_url"].endswith(f"/{cloud.account}/{PREFIX}-returns")
    assert library["checkout_state_machine_arn"] == (
        f"arn:aws:states:{cloud.region}:{cloud.account}:stateMachine:{PREFIX}-checkout"
    )
    description = cloud.client("dynamodb").describe_table(TableName=f"{PREFIX}-books")["Table"]
    assert library["books_stream_arn"] == description["LatestStreamArn"]


def test_a_table_has_its_keys_index_stream_ttl_and_seed_items(cloud: Any) -> None:
    dynamodb = cloud.client("dynamodb")
    table = dynamodb.describe_table(TableName=f"{PREFIX}-books")["Table"]

    assert table["KeySchema"] == [{"AttributeName": "isbn", "KeyType": "HASH"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["by-author"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    ttl = dynamodb.describe_time_to_live(TableName=f"{PREFIX}-books")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    seed = dynamodb.get_item(TableName=f"{PREFIX}-books", Key={"isbn": {"S": "978-0"}})["Item"]
    assert seed["copies"] == {"N": "2"} and seed["author"] == {"S": "Eco"}


def test_queues_have_their_fifo_settings_and_dead_letter_redrive(cloud: Any, outputs: dict[str, str]) -> None:
    sqs = cloud.client("sqs")
    fifo_url = sqs.get_queue_url(QueueName=f"{PREFIX}-holds.fifo")["QueueUrl"]
    fifo = sqs.get_queue_attributes(QueueUrl=fifo_url, AttributeNames=["All"])["Attributes"]
    returns = sqs.get_queue_attributes(QueueUrl=outputs["returns_queue_url"], AttributeNames=["All"])["Attributes"]

    assert fifo["FifoQueue"] == "true" and fifo["ContentBasedDeduplication"] == "true"
    assert json.loads(returns["RedrivePolicy"]) == {
        "deadLetterTargetArn": f"arn:aws:sqs:{cloud.region}:{cloud.account}:{PREFIX}-returns-dlq",
        "maxReceiveCount": 2,
    }


def test_buckets_streams_buses_functions_and_state_machines_exist(cloud: Any) -> None:
    assert f"{PREFIX}-scans" in [b["Name"] for b in cloud.client("s3").list_buckets()["Buckets"]]
    assert cloud.client("kinesis").describe_stream(StreamName=f"{PREFIX}-loans")["StreamDescription"]["Shards"]
    assert cloud.client("events").describe_event_bus(Name=f"{PREFIX}-events")["Name"] == f"{PREFIX}-events"
    function = cloud.client("lambda").get_function(FunctionName=f"{PREFIX}-environment")["Configuration"]
    assert function["Handler"] == "library_sample.functions.environment"
    assert function["Environment"]["Variables"]["BOOKS_TABLE"] == f"{PREFIX}-books"
    machine = cloud.client("stepfunctions").describe_state_machine(
        stateMachineArn=f"arn:aws:states:{cloud.region}:{cloud.account}:stateMachine:{PREFIX}-checkout"
    )
    definition = json.loads(machine["definition"])
    assert definition["States"]["Lookup"]["Parameters"]["FunctionName"] == (
        f"arn:aws:lambda:{cloud.region}:{cloud.account}:function:{PREFIX}-lookup"
    )


def test_the_plugin_points_the_test_process_at_the_local_cloud(localcloud: Any) -> None:
    assert localcloud.is_local
    assert os.environ["AWS_ENDPOINT_URL"] == localcloud.endpoint
    assert os.environ["AWS_REGION"] == os.environ["AWS_DEFAULT_REGION"] == localcloud.region
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"


def test_an_unknown_reference_is_refused_with_its_name(cloud: Any) -> None:
    with pytest.raises(LookupError, match=r"\$\{queue\.nowhere\.url\}: no stack declares the queue 'nowhere'"):
        cloud.resolve("${queue.nowhere.url}")
    with pytest.raises(LookupError, match="has no attribute 'colour'"):
        cloud.resolve(f"${{table.{PREFIX}-books.colour}}")


def test_a_template_renders_like_terraforms_templatefile() -> None:
    rendered = render_template(
        '{"a": "${first}", "b": "$${literal}", "c": "${ second }"}', {"first": "1", "second": "2"}
    )

    assert json.loads(rendered) == {"a": "1", "b": "${literal}", "c": "2"}
    with pytest.raises(KeyError, match=r"\$\{missing\} has no value"):
        render_template("${missing}", {})


def test_a_second_cloud_in_the_same_process_runs_its_own_stack_beside_the_first(cloud: Any, tmp_path: Path) -> None:
    other = Stack(
        name="annex",
        tables=(Table(name="annex-shelves", hash_key=Attribute(name="id")),),
        queues=(Queue(name="annex-requests"),),
        functions=(
            Function(
                name="annex-echo",
                handler="library_sample.functions.echo",
                code_paths=(Path(__file__).parent / "sample",),
            ),
        ),
        outputs={"requests_queue_url": "${queue.annex-requests.url}"},
    )

    with LocalCloud([other], state_dir=tmp_path) as annex:
        assert gc.get_freeze_count() > 100_000  # what starting made is out of the collector's full scans
        assert annex.invoke("annex-echo", {"shelf": 1}).payload == {"shelf": 1}
        assert annex.outputs == {
            "annex": {"requests_queue_url": annex.client("sqs").get_queue_url(QueueName="annex-requests")["QueueUrl"]}
        }
        assert json.loads((tmp_path / "outputs.json").read_text())["endpoint"] == annex.endpoint

    # The first cloud still runs, with everything it had.
    assert cloud.invoke(f"{PREFIX}-echo", {"still": "here"}).payload == {"still": "here"}
    assert cloud.client("dynamodb").describe_table(TableName=f"{PREFIX}-books")["Table"]["TableName"]


def test_the_background_sweeper_applies_ttl_on_the_real_clock_late_by_the_lag(tmp_path: Path) -> None:
    shelf = Stack(name="shelf", tables=(Table(name="shelf-loans", hash_key=Attribute(name="id"), ttl_attribute="due"),))
    lag = 3.0

    with LocalCloud(
        [shelf], state_dir=tmp_path, ttl_sweep_interval=0.1, ttl_lag_seconds=lag, start_sources=False
    ) as annex:
        dynamodb = annex.client("dynamodb")
        now = time.time()
        loans = {"long-overdue": now - 3600, "due-now": now + 1, "current": now + 3600}
        for loan, due in loans.items():
            dynamodb.put_item(TableName="shelf-loans", Item={"id": {"S": loan}, "due": {"N": str(int(due))}})

        def left() -> set[str]:
            return {item["id"]["S"] for item in dynamodb.scan(TableName="shelf-loans", ConsistentRead=True)["Items"]}

        eventually(lambda: "long-overdue" not in left(), "the long overdue loan swept", timeout=10)
        assert "due-now" in left()  # expired, or about to, but still readable: TTL is late
        eventually(lambda: left() == {"current"}, "the loan due now swept", timeout=15)
        assert time.time() >= int(loans["due-now"]) + lag
