"""The cloud is as harsh as AWS by default: each behaviour AWS documents, and the switch that turns it off.

TTL's lag is proven in ``test_cloud_resources.py`` (the background sweeper) and its stream identity in
``sources/test_delivery.py`` (the Lambda event form); everything else is here.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from library_sample.stack import PREFIX

from localcloud.cloud import LocalCloud, StreamReadersWarning
from localcloud.emulator import Harshness
from localcloud.polling import eventually
from localcloud.pytest_plugin import LocalCloudHandle
from localcloud.stack import Attribute, Function, Stack, StreamSource, Table

COUNTERS = f"{PREFIX}-counters"


def _raw_client(cloud: Any, **retries: Any) -> Any:
    """A DynamoDB client whose retries are chosen by the test (default: none at all)."""
    return cloud._session.client(
        "dynamodb", endpoint_url=cloud.endpoint, config=Config(retries=retries or {"total_max_attempts": 1})
    )


def _add(table: str, item: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table,
            "Key": {"id": {"S": item}},
            "UpdateExpression": "ADD n :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }


@pytest.fixture
def long_holds(cloud: Any) -> Iterator[Any]:
    """Transactions take 2 s, so a test can overlap them one step at a time."""
    settings = cloud.emulator.dynamodb_settings
    before = settings.transaction_hold_seconds
    settings.transaction_hold_seconds = 2.0
    try:
        yield settings
    finally:
        settings.transaction_hold_seconds = before


@contextmanager
def in_flight(cloud: Any, *items: str, token: str | None = None) -> Iterator[Future[Any]]:
    """A transaction adding one to each item, in flight (held) for the block, answered after it."""
    dynamodb, front = _raw_client(cloud), cloud.emulator.dynamodb
    holding = front.items_in_transactions()
    extra = {"ClientRequestToken": token} if token else {}
    with ThreadPoolExecutor(max_workers=1) as pool:
        done = pool.submit(
            dynamodb.transact_write_items, TransactItems=[_add(COUNTERS, item) for item in items], **extra
        )
        eventually(lambda: front.items_in_transactions() >= holding + len(items), "the transaction in flight")
        yield done
        done.result()


# --- transactions conflict -------------------------------------------------------------------------------


def test_a_transaction_touching_an_item_of_a_transaction_in_flight_is_cancelled_with_transaction_conflict(
    cloud: Any, long_holds: Any
) -> None:
    dynamodb = _raw_client(cloud)
    busy, free = f"busy-{uuid.uuid4()}", f"free-{uuid.uuid4()}"

    with in_flight(cloud, busy):
        with pytest.raises(dynamodb.exceptions.TransactionCanceledException) as cancelled:
            dynamodb.transact_write_items(TransactItems=[_add(COUNTERS, free), _add(COUNTERS, busy)])
        with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
            dynamodb.transact_get_items(TransactItems=[{"Get": {"TableName": COUNTERS, "Key": {"id": {"S": busy}}}}])

    assert [reason["Code"] for reason in cancelled.value.response["CancellationReasons"]] == [
        "None",
        "TransactionConflict",
    ]
    assert "Item" not in dynamodb.get_item(TableName=COUNTERS, Key={"id": {"S": free}})  # nothing half-written
    # Once the first transaction has answered, the caller's next one on the same item goes through.
    long_holds.transaction_hold_seconds = 0.0
    dynamodb.transact_write_items(TransactItems=[_add(COUNTERS, busy)])
    assert dynamodb.get_item(TableName=COUNTERS, Key={"id": {"S": busy}})["Item"]["n"] == {"N": "2"}


def test_a_plain_write_to_an_item_inside_a_transaction_fails_and_a_batch_leaves_it_unprocessed(
    cloud: Any, long_holds: Any
) -> None:
    dynamodb = _raw_client(cloud)
    busy, other = f"busy-{uuid.uuid4()}", f"other-{uuid.uuid4()}"

    with in_flight(cloud, busy):
        with pytest.raises(dynamodb.exceptions.TransactionConflictException):
            dynamodb.put_item(TableName=COUNTERS, Item={"id": {"S": busy}, "n": {"N": "0"}})
        with pytest.raises(dynamodb.exceptions.TransactionConflictException):
            dynamodb.update_item(
                TableName=COUNTERS,
                Key={"id": {"S": busy}},
                UpdateExpression="ADD n :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
        answer = dynamodb.batch_write_item(
            RequestItems={
                COUNTERS: [
                    {"PutRequest": {"Item": {"id": {"S": busy}, "n": {"N": "0"}}}},
                    {"PutRequest": {"Item": {"id": {"S": other}, "n": {"N": "7"}}}},
                ]
            }
        )
        # A read is never refused: it sees the last committed state (nothing yet).
        assert "Item" not in dynamodb.get_item(TableName=COUNTERS, Key={"id": {"S": busy}})

    assert answer["UnprocessedItems"] == {COUNTERS: [{"PutRequest": {"Item": {"id": {"S": busy}, "n": {"N": "0"}}}}]}
    assert dynamodb.get_item(TableName=COUNTERS, Key={"id": {"S": other}})["Item"]["n"] == {"N": "7"}
    assert dynamodb.get_item(TableName=COUNTERS, Key={"id": {"S": busy}})["Item"]["n"] == {"N": "1"}
    dynamodb.put_item(TableName=COUNTERS, Item={"id": {"S": busy}, "n": {"N": "5"}})  # free once it has answered


def test_the_sdks_retry_of_a_transaction_with_its_token_is_no_conflict_with_itself(cloud: Any, long_holds: Any) -> None:
    dynamodb, item, token = _raw_client(cloud), f"token-{uuid.uuid4()}", str(uuid.uuid4())

    with in_flight(cloud, item, token=token):
        # The SDK gave up waiting and sends the same request again while the first is still in flight.
        dynamodb.transact_write_items(ClientRequestToken=token, TransactItems=[_add(COUNTERS, item)])

    assert dynamodb.get_item(TableName=COUNTERS, Key={"id": {"S": item}})["Item"]["n"] == {"N": "1"}


def test_racing_transactions_on_one_item_conflict_and_the_counter_equals_the_commits(cloud: Any) -> None:
    item = f"race-{uuid.uuid4()}"

    def writer(_: int) -> tuple[int, int]:
        dynamodb, committed, conflicts = _raw_client(cloud), 0, 0
        for _round in range(10):
            try:
                dynamodb.transact_write_items(TransactItems=[_add(COUNTERS, item)])
                committed += 1
            except dynamodb.exceptions.TransactionCanceledException:
                conflicts += 1
        return committed, conflicts

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(writer, range(16)))

    committed, conflicts = sum(c for c, _ in outcomes), sum(c for _, c in outcomes)
    assert conflicts > 0, "16 clients racing on one item never met a TransactionConflict"
    assert committed > 0
    stored = _raw_client(cloud).get_item(TableName=COUNTERS, Key={"id": {"S": item}})["Item"]
    assert int(stored["n"]["N"]) == committed


def test_with_conflicts_switched_off_overlapping_writes_all_go_through(cloud: Any, long_holds: Any) -> None:
    dynamodb, item = _raw_client(cloud), f"calm-{uuid.uuid4()}"
    long_holds.transaction_conflicts = False
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(lambda _: dynamodb.transact_write_items(TransactItems=[_add(COUNTERS, item)]), range(3)))
    finally:
        long_holds.transaction_conflicts = True
    assert dynamodb.get_item(TableName=COUNTERS, Key={"id": {"S": item}})["Item"]["n"] == {"N": "3"}


# --- throttling and partial batches (chaos) ---------------------------------------------------------------


def _answer(call: Any) -> Any:
    """The call's answer, or None when it was throttled."""
    try:
        return call()
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("ProvisionedThroughputExceededException", "ThrottlingException"):
            raise
        return None


@contextmanager
def _throttling(settings: Any) -> Iterator[Any]:
    """A third of the calls throttled (a seeded draw) while the test runs, none after."""
    settings.throttle_rate, settings.rng = 0.3, random.Random(7)
    try:
        yield settings
    finally:
        settings.throttle_rate, settings.rng = 0.0, random.Random()


@pytest.fixture
def throttled(cloud: Any) -> Iterator[Any]:
    with _throttling(cloud.emulator.dynamodb_settings) as settings:
        yield settings


def test_under_throttling_chaos_some_calls_are_retried_by_the_sdk_and_some_fail_through_every_retry(
    cloud: Any, throttled: Any
) -> None:
    dynamodb = _raw_client(cloud, mode="standard", total_max_attempts=3)
    retried = surfaced = 0
    for _ in range(200):
        try:
            answer = dynamodb.get_item(TableName=COUNTERS, Key={"id": {"S": "throttled"}})
            retried += answer["ResponseMetadata"]["RetryAttempts"] > 0
        except ClientError as error:
            assert error.response["Error"]["Code"] in ("ProvisionedThroughputExceededException", "ThrottlingException")
            assert error.response["ResponseMetadata"]["RetryAttempts"] == 2  # the SDK tried three times
            surfaced += 1
    assert retried > 0, "no call was throttled and then let through"
    assert surfaced > 0, "no throttling ever reached the caller"


def test_under_throttling_chaos_batch_calls_answer_part_of_the_batch_and_the_rest_comes_back_unprocessed(
    cloud: Any, throttled: Any
) -> None:
    dynamodb = _raw_client(cloud, mode="standard", total_max_attempts=3)
    ids = [f"batch-{uuid.uuid4()}" for _ in range(10)]
    partial_writes = partial_reads = 0

    def batch(call: Any, **arguments: Any) -> dict[str, Any]:
        # What every batch caller needs on AWS: a throttled call that got through no retry is tried again.
        return eventually(lambda: _answer(lambda: call(**arguments)), "a batch call let through", timeout=30)

    pending = [{"PutRequest": {"Item": {"id": {"S": item}, "n": {"N": "1"}}}} for item in ids]
    while pending:  # and the loop every BatchWriteItem caller needs
        left = batch(dynamodb.batch_write_item, RequestItems={COUNTERS: pending}).get("UnprocessedItems", {})
        pending = left.get(COUNTERS, [])
        partial_writes += bool(pending)
    found: set[str] = set()
    for _ in range(20):
        keys = [{"id": {"S": item}} for item in ids]
        while keys:
            answer = batch(dynamodb.batch_get_item, RequestItems={COUNTERS: {"Keys": keys, "ConsistentRead": True}})
            found |= {row["id"]["S"] for row in answer["Responses"].get(COUNTERS, [])}
            keys = answer.get("UnprocessedKeys", {}).get(COUNTERS, {}).get("Keys", [])
            partial_reads += bool(keys)

    assert found == set(ids)  # every item written, and read, once the unprocessed parts were sent again
    assert partial_reads > 0, "no BatchGetItem answered in part"
    assert partial_writes + partial_reads > 1


def test_under_throttling_chaos_a_tests_own_probe_is_never_throttled(cloud: Any, throttled: Any) -> None:
    throttled.throttle_rate = 1.0
    handle = LocalCloudHandle(endpoint=cloud.endpoint, region=cloud.region, outputs={}, is_local=True)
    probe, service = handle.client("dynamodb"), _raw_client(cloud)
    key = {"id": {"S": "probed"}}
    # Not even once: its SDK never had to retry.
    assert all(probe.get_item(TableName=COUNTERS, Key=key)["ResponseMetadata"]["RetryAttempts"] == 0 for _ in range(20))
    assert _answer(lambda: service.get_item(TableName=COUNTERS, Key=key)) is None  # what the services meet


# --- Kinesis: puts throttled, PutRecords in part (chaos) ---------------------------------------------------


@pytest.fixture
def kinesis_throttled(cloud: Any) -> Iterator[Any]:
    with _throttling(cloud.emulator.kinesis_settings) as settings:
        yield settings


def _on_stream(cloud: Any, stream: str, prefix: str) -> list[str]:
    kinesis, found = cloud.client("kinesis"), []
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = kinesis.get_records(ShardIterator=iterator, Limit=10000)
            found += [r["Data"].decode() for r in page["Records"] if r["Data"].decode().startswith(prefix)]
            iterator = page.get("NextShardIterator") if page["Records"] else None
    return found


def test_under_throttling_chaos_put_records_refuses_some_entries_and_puts_the_others_in_their_order(
    cloud: Any, kinesis_throttled: Any
) -> None:
    stream, marker = f"{PREFIX}-loans", f"chaos-{uuid.uuid4()}"
    kinesis = cloud._session.client("kinesis", endpoint_url=cloud.endpoint)
    sent = [f"{marker}-{n}" for n in range(100)]
    answer = kinesis.put_records(StreamName=stream, Records=[{"Data": d.encode(), "PartitionKey": "a"} for d in sent])

    refused = [n for n, result in enumerate(answer["Records"]) if "ErrorCode" in result]
    assert 0 < len(refused) < len(sent), "some entries refused, not all"
    assert answer["FailedRecordCount"] == len(refused)
    assert {answer["Records"][n]["ErrorCode"] for n in refused} == {"ProvisionedThroughputExceededException"}
    assert all("SequenceNumber" in r for n, r in enumerate(answer["Records"]) if n not in refused)
    # On the stream: every entry not refused, in the order sent, and none of those refused.
    assert _on_stream(cloud, stream, marker) == [d for n, d in enumerate(sent) if n not in refused]


def test_under_throttling_chaos_put_record_is_throttled_and_a_tests_own_probe_never_is(
    cloud: Any, kinesis_throttled: Any
) -> None:
    stream, marker = f"{PREFIX}-loans", f"probe-{uuid.uuid4()}"
    kinesis = cloud._session.client(
        "kinesis", endpoint_url=cloud.endpoint, config=Config(retries={"total_max_attempts": 1})
    )
    throttled = 0
    for n in range(40):
        try:
            kinesis.put_record(StreamName=stream, Data=f"{marker}-service-{n}".encode(), PartitionKey="a")
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
            throttled += 1
    assert 0 < throttled < 40

    kinesis_throttled.throttle_rate = 1.0
    handle = LocalCloudHandle(endpoint=cloud.endpoint, region=cloud.region, outputs={}, is_local=True)
    probe = handle.client("kinesis")
    put = probe.put_records(
        StreamName=stream, Records=[{"Data": f"{marker}-probe-{n}".encode(), "PartitionKey": "a"} for n in range(10)]
    )
    assert put["FailedRecordCount"] == 0
    assert _on_stream(cloud, stream, f"{marker}-probe") == [f"{marker}-probe-{n}" for n in range(10)]
    assert len(_on_stream(cloud, stream, f"{marker}-service")) == 40 - throttled


def test_under_throttling_chaos_a_put_that_is_not_json_reaches_moto_as_it_was_sent() -> None:
    from localcloud.kinesis_front import KinesisSettings, with_throttling

    seen: list[bytes] = []

    def moto(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        start_response("200 OK", [])
        return [b"moto's answer"]

    body = bytes([0xBF, 0x67]) + b"Records"  # the start of a CBOR map, as the Java SDK sends by default
    environ = {
        "HTTP_X_AMZ_TARGET": "Kinesis_20131202.PutRecords",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    answer = with_throttling(moto, KinesisSettings(throttle_rate=1.0))(environ, lambda *_: None)

    assert (answer, seen) == ([b"moto's answer"], [body])


# --- S3: SSE-KMS ETags ------------------------------------------------------------------------------------


def test_an_sse_kms_objects_etag_is_not_the_md5_of_its_content_and_changes_with_every_write(cloud: Any) -> None:
    s3, bucket = cloud.client("s3"), f"{PREFIX}-scans"
    body = b"isbn,title\n978-0,The Name of the Rose\n"
    md5 = f'"{hashlib.md5(body).hexdigest()}"'

    plain = s3.put_object(Bucket=bucket, Key="plain.csv", Body=body)["ETag"]
    first = s3.put_object(Bucket=bucket, Key="kms.csv", Body=body, ServerSideEncryption="aws:kms")["ETag"]
    second = s3.put_object(Bucket=bucket, Key="kms.csv", Body=body, ServerSideEncryption="aws:kms")["ETag"]

    assert plain == md5
    assert first != md5 and second != md5 and first != second
    assert s3.head_object(Bucket=bucket, Key="kms.csv")["ETag"] == second


def test_a_bucket_encrypted_with_kms_by_default_gives_opaque_etags_unless_switched_off(cloud: Any) -> None:
    s3, bucket = cloud.client("s3"), f"kms-default-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    body = b"same content"
    md5 = f'"{hashlib.md5(body).hexdigest()}"'

    assert s3.put_object(Bucket=bucket, Key="a", Body=body)["ETag"] != md5
    Harshness.kms_etags = False
    try:
        assert s3.put_object(Bucket=bucket, Key="b", Body=body)["ETag"] == md5
    finally:
        Harshness.kms_etags = True


# --- Step Functions: Express at least once ----------------------------------------------------------------


def _counting_machine(cloud: Any, kind: str) -> str:
    """A state machine of this type whose every execution adds one to a counter item named by its input."""
    definition = {
        "StartAt": "Count",
        "States": {
            "Count": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:updateItem",
                "Parameters": {
                    "TableName": COUNTERS,
                    "Key": {"id": {"S.$": "$.counter"}},
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                },
                "End": True,
            }
        },
    }
    return str(
        cloud.client("stepfunctions").create_state_machine(
            name=f"count-{kind.lower()}-{uuid.uuid4().hex[:8]}",
            definition=json.dumps(definition),
            roleArn=f"arn:aws:iam::{cloud.account}:role/localcloud-state-machine",
            type=kind,
        )["stateMachineArn"]
    )


def _count(cloud: Any, counter: str) -> int:
    item = cloud.client("dynamodb").get_item(TableName=COUNTERS, Key={"id": {"S": counter}}).get("Item")
    return int(item["n"]["N"]) if item else 0


def test_express_executions_are_not_deduplicated_by_name_and_standard_ones_are(cloud: Any) -> None:
    stepfunctions = cloud.client("stepfunctions")
    express, standard = _counting_machine(cloud, "EXPRESS"), _counting_machine(cloud, "STANDARD")
    express_counter, standard_counter = f"express-{uuid.uuid4()}", f"standard-{uuid.uuid4()}"

    for _ in range(2):
        stepfunctions.start_execution(
            stateMachineArn=express, name="order-1", input=json.dumps({"counter": express_counter})
        )
    first = stepfunctions.start_execution(
        stateMachineArn=standard, name="order-1", input=json.dumps({"counter": standard_counter})
    )
    eventually(lambda: _count(cloud, standard_counter) == 1, "the Standard execution's count")
    with pytest.raises(stepfunctions.exceptions.ExecutionAlreadyExists):
        stepfunctions.start_execution(
            stateMachineArn=standard, name="order-1", input=json.dumps({"counter": standard_counter})
        )

    eventually(lambda: _count(cloud, express_counter) == 2, "both Express executions' counts")
    assert first["executionArn"].endswith(":order-1")
    assert _count(cloud, standard_counter) == 1


def test_under_duplicate_chaos_each_express_execution_runs_twice(cloud: Any) -> None:
    stepfunctions = cloud.client("stepfunctions")
    express, counter = _counting_machine(cloud, "EXPRESS"), f"twice-{uuid.uuid4()}"
    Harshness.express_twice = True
    try:
        stepfunctions.start_execution(stateMachineArn=express, name="order-2", input=json.dumps({"counter": counter}))
    finally:
        Harshness.express_twice = False

    eventually(lambda: _count(cloud, counter) == 2, "the Express execution's two runs")


# --- a third reader on one stream -------------------------------------------------------------------------


def test_a_stack_putting_a_third_reader_on_one_dynamodb_stream_is_warned_about_at_load(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def reader(n: int) -> Function:
        return Function(
            name=f"shelf-reader-{n}",
            handler="library_sample.functions.count",
            event_sources=(StreamSource(kind="dynamodb", table="shelf-books"),),
        )

    table = Table(name="shelf-books", hash_key=Attribute(name="isbn"), stream_view="NEW_IMAGE")
    two = LocalCloud([Stack(name="shelf", tables=(table,), functions=(reader(1), reader(2)))], state_dir=tmp_path)
    three = LocalCloud(
        [Stack(name="shelf", tables=(table,), functions=(reader(1), reader(2), reader(3)))], state_dir=tmp_path
    )

    with caplog.at_level("WARNING", logger="localcloud"):
        two._warn_about_stream_readers()
        assert not caplog.records
        with pytest.warns(StreamReadersWarning, match="'shelf-books': 3 functions read its stream"):
            three._warn_about_stream_readers()
    assert "more than 2 readers" in caplog.text
