"""The emulator: atomic DynamoDB conditions (DynamoDB Local), TTL with its stream identity, moto's patches."""

from __future__ import annotations

import http.client
import inspect
import json
import socket
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import moto
import pytest
from botocore.config import Config
from library_sample.stack import PREFIX
from moto.awslambda.models import LambdaFunction
from moto.sqs.models import SQSBackend

from localcloud.emulator import TTL_IDENTITY_API, Emulator
from localcloud.polling import eventually

THREADS = 16
ROUNDS = 25
LIMIT = THREADS * ROUNDS // 2
SWITCH_INTERVAL_SECONDS = 1e-4
RECEIVERS = 8


def _client_without_retries(cloud: Any, service: str) -> Any:
    """A client of its own (a session each: boto3's default one is not thread-safe) that never retries."""
    return boto3.session.Session().client(
        service,
        endpoint_url=cloud.endpoint,
        region_name=cloud.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 0}, max_pool_connections=2),
    )


def _hammer(cloud: Any, item_id: str) -> tuple[int, int]:
    """THREADS clients each try ROUNDS conditional increments of one item, capped at LIMIT: (passed, refused)."""
    cloud.client("dynamodb").put_item(TableName=f"{PREFIX}-counters", Item={"id": {"S": item_id}, "n": {"N": "0"}})

    def writer(_: int) -> tuple[int, int]:
        client = _client_without_retries(cloud, "dynamodb")
        passed = refused = 0
        for _round in range(ROUNDS):
            try:
                client.update_item(
                    TableName=f"{PREFIX}-counters",
                    Key={"id": {"S": item_id}},
                    UpdateExpression="ADD n :one, writes :one",
                    ConditionExpression="n < :limit",
                    ExpressionAttributeValues={":one": {"N": "1"}, ":limit": {"N": str(LIMIT)}},
                )
                passed += 1
            except client.exceptions.ConditionalCheckFailedException:
                refused += 1
        return passed, refused

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        outcomes = list(pool.map(writer, range(THREADS)))
    return sum(p for p, _ in outcomes), sum(r for _, r in outcomes)


def _counter(cloud: Any, item_id: str) -> dict[str, int]:
    item = cloud.client("dynamodb").get_item(TableName=f"{PREFIX}-counters", Key={"id": {"S": item_id}})["Item"]
    return {"n": int(item["n"]["N"]), "writes": int(item.get("writes", {"N": "0"})["N"])}


def test_many_threads_of_conditional_updates_on_one_item_never_pass_the_condition_twice(cloud: Any) -> None:
    # moto's server passed a condition twice here without a lock around every DynamoDB request; DynamoDB Local
    # needs none. Switching threads every 0.1 ms splits any check-then-write window often.
    default_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    try:
        passed, refused = _hammer(cloud, "race")
    finally:
        sys.setswitchinterval(default_interval)

    assert _counter(cloud, "race") == {"n": LIMIT, "writes": LIMIT}
    assert (passed, refused) == (LIMIT, THREADS * ROUNDS - LIMIT)


def _stream_records(cloud: Any, stream_arn: str) -> list[dict[str, Any]]:
    streams = cloud.client("dynamodbstreams")
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            answer = streams.get_records(ShardIterator=iterator, Limit=1000)
            records.extend(answer["Records"])
            if not answer["Records"]:
                break
            iterator = answer.get("NextShardIterator")
    return records


def test_a_ttl_sweep_removes_only_expired_items_and_only_its_removals_carry_the_ttl_identity(
    cloud: Any, outputs: dict[str, str]
) -> None:
    dynamodb = cloud.client("dynamodb")
    table = outputs["books_table"]
    now = datetime(2031, 6, 1, tzinfo=UTC)
    items = {
        "ttl-past": {"N": str(int((now - timedelta(days=1)).timestamp()))},
        "ttl-exactly-now": {"N": str(int(now.timestamp()))},
        "ttl-future": {"N": str(int((now + timedelta(seconds=1)).timestamp()))},
        "ttl-not-a-number": {"S": "0"},
        "ttl-withdrawn": {"N": "0"},
    }
    for isbn, expiry in items.items():
        dynamodb.put_item(TableName=table, Item={"isbn": {"S": isbn}, "title": {"S": isbn}, "expires_at": expiry})
    dynamodb.put_item(TableName=table, Item={"isbn": {"S": "ttl-none"}, "title": {"S": "kept forever"}})
    dynamodb.delete_item(TableName=table, Key={"isbn": {"S": "ttl-withdrawn"}})  # an ordinary delete

    deleted = cloud.ttl_sweep(now)

    left = {i["isbn"]["S"] for i in dynamodb.scan(TableName=table)["Items"] if i["isbn"]["S"].startswith("ttl-")}
    assert left == {"ttl-future", "ttl-not-a-number", "ttl-none"}
    assert deleted[table] == 2
    removals = {
        r["dynamodb"]["Keys"]["isbn"]["S"]: r
        for r in _stream_records(cloud, outputs["books_stream_arn"])
        if r["eventName"] == "REMOVE" and r["dynamodb"]["Keys"]["isbn"]["S"].startswith("ttl-")
    }
    assert set(removals) == {"ttl-past", "ttl-exactly-now", "ttl-withdrawn"}
    # GetRecords spells it {"Type", "PrincipalId"}; the Lambda event source turns it into {"type", "principalId"}.
    assert removals["ttl-past"]["userIdentity"] == TTL_IDENTITY_API
    assert removals["ttl-exactly-now"]["userIdentity"] == TTL_IDENTITY_API
    assert "userIdentity" not in removals["ttl-withdrawn"]
    assert removals["ttl-past"]["dynamodb"]["OldImage"]["title"] == {"S": "ttl-past"}
    assert removals["ttl-past"]["awsRegion"] == cloud.region


def test_a_second_sweep_at_the_same_time_deletes_nothing(cloud: Any) -> None:
    moment = datetime(2031, 6, 1, tzinfo=UTC)
    cloud.ttl_sweep(moment)

    assert cloud.ttl_sweep(moment) == {}


def test_moto_still_has_the_private_methods_the_emulator_patches() -> None:
    # If this fails after a moto upgrade, the patches whose internals it names need re-checking.
    from moto.s3.models import FakeKey
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    assert moto.__version__ == "5.2.5"
    original = getattr(LambdaFunction.invoke, "__wrapped__", LambdaFunction.invoke)
    assert list(inspect.signature(original).parameters) == ["self", "body", "request_headers", "response_headers"]
    start = getattr(
        StepFunctionsParserBackend.start_execution, "__wrapped__", StepFunctionsParserBackend.start_execution
    )
    assert list(inspect.signature(start).parameters) == [
        "self", "state_machine_arn", "name", "execution_input", "trace_header"
    ]  # fmt: skip
    assert "_handle_name_input_idempotency" in inspect.getsource(start)
    assert "self.type = sm_type" in inspect.getsource(__import__("moto.stepfunctions.models").stepfunctions.models)
    etag = getattr(FakeKey.etag.fget, "__wrapped__", FakeKey.etag)
    assert "self._etag" in inspect.getsource(etag.fget)
    assert "self.encryption = encryption" in inspect.getsource(FakeKey.__init__)
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    lookup = DomainDispatcherApplication.get_backend_for_host
    assert list(inspect.signature(getattr(lookup, "__wrapped__", lookup)).parameters) == ["self", "host"]
    retention = SQSBackend.is_message_valid_based_on_retention_period
    assert "MessageRetentionPeriod" in inspect.getsource(getattr(retention, "__wrapped__", retention))
    message_init = inspect.getsource(SQSBackend.change_message_visibility.__globals__["Message"].__init__)
    assert "self.visible_at = 0.0" in message_init and "self.delayed_until = 0.0" in message_init
    for name in ("send_task_success", "send_task_failure", "send_task_heartbeat"):
        method = getattr(StepFunctionsParserBackend, name)
        source = inspect.getsource(getattr(method, "__wrapped__", method))
        assert "self._get_executions(" in source and "exec_worker.env.callback_pool_manager" in source
    for name in ("describe_map_run", "update_map_run"):
        source = inspect.getsource(getattr(StepFunctionsParserBackend, name))
        assert "self._get_executions(" in source and "exec_worker.env.map_run_record_pool_manager" in source
    receive = getattr(SQSBackend.receive_message, "__wrapped__", SQSBackend.receive_message)
    assert list(inspect.signature(receive).parameters) == [
        "self", "queue_name", "count", "wait_seconds_timeout", "visibility_timeout", "message_attribute_names"
    ]  # fmt: skip


def test_a_message_past_its_queues_retention_is_never_received(cloud: Any) -> None:
    # The emulator reads retention and visibility cheaply (moto's receive cost the square of the queue's length).
    from moto.sqs.models import sqs_backends

    sqs = cloud.client("sqs")
    name = f"kept-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name, Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    for body in ("young", "held", "old"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    queue = sqs_backends[cloud.account][cloud.region].get_queue(name)
    old = next(message for message in queue._messages if message.body == "old")
    old.sent_timestamp -= 61_000  # sent 61 s ago: past the 60 s retention
    held = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60)["Messages"]

    assert sorted(message["Body"] for message in held) == ["held", "young"]
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == "0"
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []


def test_messages_of_a_fifo_group_that_time_out_together_come_back_oldest_first(cloud: Any) -> None:
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=f"back-{uuid.uuid4().hex[:8]}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    for number in range(5):
        sqs.send_message(
            QueueUrl=url, MessageBody=str(number), MessageGroupId="line", MessageDeduplicationId=str(number)
        )
    taken = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, VisibilityTimeout=1)["Messages"]
    assert [message["Body"] for message in taken] == ["0", "1", "2"]

    again = eventually(lambda: sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages"), "timed out")

    assert [message["Body"] for message in again] == ["0"]  # moto alone: "2"
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []  # "0" is held


def test_a_fifo_group_with_a_message_in_flight_hands_out_nothing_to_receivers_asking_at_once(cloud: Any) -> None:
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=f"race-{uuid.uuid4().hex[:8]}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    for number in range(RECEIVERS * 2):
        sqs.send_message(
            QueueUrl=url, MessageBody=str(number), MessageGroupId="line", MessageDeduplicationId=str(number)
        )
    holding, most, order, lock = [0], [0], [], threading.Lock()

    def receiver(_: int) -> None:
        client = boto3.session.Session().client(
            "sqs", endpoint_url=cloud.endpoint, region_name=cloud.region,
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )  # fmt: skip
        for _round in range(ROUNDS):
            for message in client.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []):
                with lock:  # held from its receipt until just before its deletion
                    holding[0] += 1
                    most[0] = max(most[0], holding[0])
                    order.append(int(message["Body"]))
                client.get_queue_attributes(QueueUrl=url)  # a moment's work while holding it
                with lock:
                    holding[0] -= 1
                client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    # moto picked a group's messages with no lock: switching threads every 0.1 ms splits that window often.
    default_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    try:
        with ThreadPoolExecutor(max_workers=RECEIVERS) as pool:
            list(pool.map(receiver, range(RECEIVERS)))
    finally:
        sys.setswitchinterval(default_interval)

    assert most[0] == 1
    assert order == sorted(order)  # one at a time, so in the order sent


def test_fifo_messages_sent_at_once_are_queued_in_the_order_of_their_timestamps_and_sequence_numbers(
    cloud: Any,
) -> None:
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=f"sent-{uuid.uuid4().hex[:8]}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    for number in range(200):  # moto scans the queue for duplicates on every send: the deeper, the longer
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="deep", MessageDeduplicationId=f"deep-{number}")

    def sender(number: int) -> None:
        client = boto3.session.Session().client(
            "sqs", endpoint_url=cloud.endpoint, region_name=cloud.region,
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )  # fmt: skip
        for round_ in range(ROUNDS):
            client.send_message(
                QueueUrl=url, MessageBody="y", MessageGroupId="line", MessageDeduplicationId=f"{number}-{round_}"
            )

    default_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    try:
        with ThreadPoolExecutor(max_workers=RECEIVERS) as pool:
            list(pool.map(sender, range(RECEIVERS)))
    finally:
        sys.setswitchinterval(default_interval)

    queued = []
    while len(queued) < 200 + RECEIVERS * ROUNDS:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"])
        for message in answer["Messages"]:
            queued.append((int(message["Attributes"]["SentTimestamp"]), int(message["Attributes"]["SequenceNumber"])))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert [sent for sent, _ in queued] == sorted(sent for sent, _ in queued)
    assert [number for _, number in queued] == sorted(number for _, number in queued)


def test_the_lambda_hook_is_installed_once_the_cloud_runs(cloud: Any) -> None:
    assert hasattr(LambdaFunction.invoke, "__wrapped__")


# --- connections ---------------------------------------------------------------------------------------------

LIST_TABLES = {
    "Content-Type": "application/x-amz-json-1.0",
    "X-Amz-Target": "DynamoDB_20120810.ListTables",
    "Authorization": (
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
    ),
}


def _list_tables(connection: http.client.HTTPConnection) -> http.client.HTTPResponse:
    connection.request("POST", "/", body=b"{}", headers=LIST_TABLES)
    response = connection.getresponse()
    response.read()
    return response


def test_a_connection_carries_one_call_after_another(cloud: Any) -> None:
    connection = http.client.HTTPConnection(cloud.emulator.host, cloud.emulator.port, timeout=10)
    try:
        first = _list_tables(connection)
        socket_of_the_first = connection.sock
        second = _list_tables(connection)

        assert (first.status, second.status) == (200, 200)
        assert first.getheader("Connection") is None
        assert socket_of_the_first is not None and connection.sock is socket_of_the_first
    finally:
        connection.close()


def test_a_chunked_body_is_still_answered_and_its_connection_closed(cloud: Any) -> None:
    connection = http.client.HTTPConnection(cloud.emulator.host, cloud.emulator.port, timeout=10)
    try:
        headers = {**LIST_TABLES, "X-Amz-Target": "AmazonSQS.ListQueues"}
        headers["Authorization"] = headers["Authorization"].replace("/dynamodb/", "/sqs/")
        connection.request("POST", "/", body=iter([b"{", b"}"]), headers=headers, encode_chunked=True)
        response = connection.getresponse()

        assert response.status == 200 and "QueueUrls" in json.loads(response.read())
        assert response.getheader("Connection") == "close"
    finally:
        connection.close()


def test_an_answer_the_app_fails_to_make_is_a_500_and_its_connection_closed(cloud: Any) -> None:
    cloud.emulator.add_control("unanswerable", lambda _body: {("not", "a", "json", "key"): 1})
    request = b"POST /_localcloud/unanswerable HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}"
    with socket.create_connection((cloud.emulator.host, cloud.emulator.port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(4096):  # until the server closes (a kept connection: a timeout here)
            answer += chunk

    assert answer.startswith(b"HTTP/1.1 500 ") and b"\r\nConnection: close\r\n" in answer


def test_a_stopped_emulator_closes_the_connections_it_kept() -> None:
    emulator = Emulator()
    emulator.start()
    connection = http.client.HTTPConnection(emulator.host, emulator.port, timeout=10)
    try:
        assert _list_tables(connection).status == 200
        emulator.stop()

        assert connection.sock is not None and connection.sock.recv(1) == b""
    finally:
        connection.close()
        emulator.stop()


def test_a_task_token_is_answered_while_another_execution_is_starting_or_has_ended(cloud: Any, outputs: Any) -> None:
    # moto asked every running execution's interpreter for the token, and one still starting has none (a 500).
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    backend = stepfunctions_parser_backends[cloud.account][cloud.region]
    machine = backend.describe_state_machine(outputs["checkout_state_machine_arn"])
    starting = SimpleNamespace(status=ExecutionStatus.RUNNING, exec_worker=None)
    ended = SimpleNamespace(status=ExecutionStatus.SUCCEEDED, exec_worker=None)  # SendTaskFailure asks all
    machine.executions += [starting, ended]
    client = _client_without_retries(cloud, "stepfunctions")
    try:
        with pytest.raises(client.exceptions.InvalidToken):
            client.send_task_success(taskToken="no-such-token", output="{}")
        with pytest.raises(client.exceptions.InvalidToken):
            client.send_task_failure(taskToken="no-such-token")
    finally:
        machine.executions.remove(starting)
        machine.executions.remove(ended)
