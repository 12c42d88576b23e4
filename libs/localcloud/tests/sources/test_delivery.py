"""Every event source of the depot delivers as Lambda does, to real function workers."""

from __future__ import annotations

import base64
import itertools
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from depot_harness import Depot, start_depot

from localcloud.sources._async import internal_queue_name

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def depot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Depot]:
    yield from start_depot(tmp_path_factory, "src")


def _unique(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


def _records(depot: Depot, role: str) -> list[dict[str, Any]]:
    return [record for line in depot.invocations(role) for record in line["event"]["Records"]]


# --- S3 ------------------------------------------------------------------------------------------------


def test_a_csv_dropped_in_incoming_reaches_its_function_as_one_s3_record(depot: Depot) -> None:
    s3, bucket = depot.client("s3"), depot.name("manifests")
    key = f"incoming/{_unique('day')} 1.csv"
    s3.put_object(Bucket=bucket, Key="incoming/notes.txt", Body=b"not a manifest")
    s3.put_object(Bucket=bucket, Key="archive/old.csv", Body=b"elsewhere")
    s3.put_object(Bucket=bucket, Key=key, Body=b"parcel,van\n")

    line = depot.wait_for(
        "the manifest's invocation",
        lambda: next((line for line in depot.invocations("on-manifest") if line["answer"]["key"] == key), None),
    )

    (record,) = line["event"]["Records"]
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["awsRegion"] == depot.cloud.region
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["object"]["key"] == key.replace(" ", "+")  # URL-encoded, as S3 sends it
    assert record["s3"]["object"]["size"] == len(b"parcel,van\n")
    assert {"sequencer", "eTag"} <= set(record["s3"]["object"])
    assert {"userIdentity", "requestParameters", "responseElements"} <= set(record)
    keys = {line["answer"]["key"] for line in depot.invocations("on-manifest")}
    assert "incoming/notes.txt" not in keys and "archive/old.csv" not in keys


def test_a_manifest_that_keeps_failing_is_tried_three_times_and_a_flaky_one_twice(depot: Depot) -> None:
    s3, bucket = depot.client("s3"), depot.name("manifests")
    broken, flaky = f"incoming/{_unique('broken')}.csv", f"incoming/{_unique('flaky')}.csv"
    s3.put_object(Bucket=bucket, Key=broken, Body=b"x")
    s3.put_object(Bucket=bucket, Key=flaky, Body=b"x")
    internal = depot.client("sqs").get_queue_url(
        QueueName=internal_queue_name("s3", bucket, "0", depot.name("on-manifest"))
    )["QueueUrl"]

    def attempts(key: str) -> list[bool]:
        return [line["answer"]["failed"] for line in depot.invocations("on-manifest") if line["answer"]["key"] == key]

    depot.wait_for("three attempts at the broken manifest", lambda: len(attempts(broken)) >= 3)
    depot.wait_for("the flaky manifest to succeed", lambda: False in attempts(flaky))
    depot.wait_for("the retries to be over", lambda: _queue_is_empty(depot, internal))

    assert attempts(broken) == [True, True, True]  # Lambda's asynchronous invocation: 2 retries, then dropped
    assert attempts(flaky) == [True, False]


def _queue_is_empty(depot: Depot, url: str) -> bool:
    attributes = depot.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    waiting = (
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    )
    return all(attributes[name] == "0" for name in waiting)


# --- SQS standard --------------------------------------------------------------------------------------


def test_a_parcel_message_reaches_the_function_in_the_lambda_sqs_shape(depot: Depot) -> None:
    parcel = _unique("parcel")
    sent = depot.client("sqs").send_message(
        QueueUrl=depot.queue_url("parcels"),
        MessageBody=json.dumps({"id": parcel}),
        MessageAttributes={"van": {"DataType": "String", "StringValue": "V-7"}},
    )

    record = depot.wait_for(
        "the parcel's record",
        lambda: next((r for r in _records(depot, "sort-parcel") if json.loads(r["body"])["id"] == parcel), None),
    )

    assert record["messageId"] == sent["MessageId"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(f":{depot.name('parcels')}")
    assert record["awsRegion"] == depot.cloud.region
    assert record["md5OfBody"] == sent["MD5OfMessageBody"]
    assert record["receiptHandle"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert record["messageAttributes"] == {
        "van": {"stringValue": "V-7", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
    }


def test_only_the_messages_a_batch_reports_as_failed_come_back(depot: Depot) -> None:
    ids = {mode: _unique(mode) for mode in ("first", "once", "third", "fourth")}
    depot.client("sqs").send_message_batch(
        QueueUrl=depot.queue_url("parcels"),
        Entries=[
            {"Id": str(n), "MessageBody": json.dumps({"id": parcel, "fail": mode})}
            for n, (mode, parcel) in enumerate(ids.items())
        ],
    )

    def deliveries(parcel: str) -> list[str]:
        return [
            r["attributes"]["ApproximateReceiveCount"]
            for r in _records(depot, "sort-parcel")
            if json.loads(r["body"])["id"] == parcel
        ]

    depot.wait_for("the failed parcel's second delivery", lambda: len(deliveries(ids["once"])) == 2)

    assert deliveries(ids["once"]) == ["1", "2"]
    for mode in ("first", "third", "fourth"):
        assert deliveries(ids[mode]) == ["1"], f"{mode} was deleted after its first delivery"


def test_a_parcel_that_always_fails_moves_to_the_dlq_after_two_receives(depot: Depot) -> None:
    parcel = _unique("doomed")
    depot.client("sqs").send_message(
        QueueUrl=depot.queue_url("parcels"), MessageBody=json.dumps({"id": parcel, "fail": "always"})
    )

    dead = depot.wait_for(
        "the parcel in the DLQ",
        lambda: [m for m in depot.receive_all("parcels-dlq", wait_seconds=1) if parcel in m["Body"]],
    )

    def receives() -> list[str]:
        return [
            r["attributes"]["ApproximateReceiveCount"] for r in _records(depot, "sort-parcel") if parcel in r["body"]
        ]

    # The second invocation may still be writing its journal line when the third receive moves the message.
    depot.wait_for("both deliveries in the journal", lambda: len(receives()) >= 2)
    assert len(dead) == 1
    assert receives() == ["1", "2"]  # maxReceiveCount 2, then moto's redrive policy


def test_messages_sent_within_the_batching_window_arrive_in_one_batch(depot: Depot) -> None:
    run, sqs, url = _unique("return"), depot.client("sqs"), depot.queue_url("returns")
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"{run}-{n}")

    batches = depot.wait_for(
        "the returns",
        lambda: [
            bodies
            for line in depot.invocations("gather-returns")
            if (bodies := [r["body"] for r in line["event"]["Records"] if r["body"].startswith(run)])
        ],
    )

    assert batches == [[f"{run}-{n}" for n in range(3)]]


# --- SQS FIFO ------------------------------------------------------------------------------------------


def test_fifo_stops_arrive_in_order_per_van_with_one_batch_in_flight_per_van(depot: Depot) -> None:
    run = _unique("run")
    vans = [f"{run}-van-{n}" for n in range(3)]
    sqs, url = depot.client("sqs"), depot.queue_url("route.fifo")
    for van in vans:
        for stop in range(7):
            # The second van's second stop fails once, in a batch with the stop after it: both must wait.
            fail = "once" if (van, stop) == (vans[1], 1) else None
            body = {"van": van, "stop": stop, "fail": fail}
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body), MessageGroupId=van)

    def done(line: dict[str, Any]) -> list[dict[str, Any]]:
        failed = {failure["itemIdentifier"] for failure in line["answer"]["batchItemFailures"]}
        return [json.loads(r["body"]) for r in line["event"]["Records"] if r["messageId"] not in failed]

    def lines() -> list[dict[str, Any]]:
        return sorted(
            (line for line in depot.invocations("drive-route") if run in line["event"]["Records"][0]["body"]),
            key=lambda line: line["started"],
        )

    depot.wait_for("every stop driven", lambda: sum(len(done(line)) for line in lines()) >= 21)

    for van in vans:
        driven = [body["stop"] for line in lines() for body in done(line) if body["van"] == van]
        assert driven == list(range(7)), f"{van} drove its stops out of order: {driven}"
        spans = sorted(
            (line["started"], line["ended"])
            for line in lines()
            if any(json.loads(r["body"])["van"] == van for r in line["event"]["Records"])
        )
        for (_, first_end), (second_start, _) in itertools.pairwise(spans):
            assert second_start >= first_end, f"two batches of {van} were in flight at once"
    retried = [body for line in lines() for body in done(line) if body["van"] == vans[1] and body["stop"] == 1]
    assert len(retried) == 1


def test_a_fifo_duplicate_sent_after_its_first_copy_was_deleted_is_not_delivered(depot: Depot) -> None:
    van, sqs, url = _unique("van"), depot.client("sqs"), depot.queue_url("route.fifo")
    deduplication = _unique("dedup")

    def driven() -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in _records(depot, "drive-route") if van in r["body"]]

    sqs.send_message(
        QueueUrl=url,
        MessageBody=json.dumps({"van": van, "stop": 0}),
        MessageGroupId=van,
        MessageDeduplicationId=deduplication,
    )
    depot.wait_for("the first copy", driven)
    # Within SQS's 5-minute window this is a duplicate; moto forgot the id when the first copy was deleted.
    sqs.send_message(
        QueueUrl=url,
        MessageBody=json.dumps({"van": van, "stop": 1}),
        MessageGroupId=van,
        MessageDeduplicationId=deduplication,
    )
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"van": van, "stop": 2}), MessageGroupId=van)

    depot.wait_for("the stop after the duplicate", lambda: any(body["stop"] == 2 for body in driven()))

    assert [body["stop"] for body in driven()] == [0, 2]


# --- DynamoDB streams ----------------------------------------------------------------------------------


def _locker_records(depot: Depot, locker: str) -> list[dict[str, Any]]:
    return [r for r in _records(depot, "on-locker") if r["dynamodb"]["Keys"]["locker"]["S"] == locker]


def test_locker_changes_arrive_in_order_in_the_lambda_dynamodb_shape(depot: Depot) -> None:
    dynamodb, table, locker = depot.client("dynamodb"), depot.name("lockers"), _unique("locker")
    dynamodb.put_item(TableName=table, Item={"locker": {"S": locker}, "parcel": {"S": "P-1"}})
    dynamodb.update_item(
        TableName=table,
        Key={"locker": {"S": locker}},
        UpdateExpression="SET parcel = :p",
        ExpressionAttributeValues={":p": {"S": "P-2"}},
    )
    dynamodb.delete_item(TableName=table, Key={"locker": {"S": locker}})
    stream_arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]

    records = depot.wait_for("three records", lambda: (r := _locker_records(depot, locker)) and len(r) >= 3 and r)

    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    sequences = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequences == sorted(sequences)
    for record in records:
        assert record["eventSource"] == "aws:dynamodb"
        assert record["eventVersion"] == "1.1"  # what Lambda hands over for DynamoDB streams
        assert record["eventSourceARN"] == stream_arn
        assert record["awsRegion"] == depot.cloud.region
        assert record["eventID"]
        assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int | float)
        assert record["dynamodb"]["SizeBytes"] > 0
        assert "userIdentity" not in record  # an ordinary delete carries no identity
    assert records[0]["dynamodb"]["NewImage"]["parcel"] == {"S": "P-1"}
    assert records[1]["dynamodb"]["OldImage"]["parcel"] == {"S": "P-1"}
    assert records[1]["dynamodb"]["NewImage"]["parcel"] == {"S": "P-2"}
    assert "NewImage" not in records[2]["dynamodb"] and records[2]["dynamodb"]["OldImage"]["parcel"] == {"S": "P-2"}


def test_a_stream_batch_is_retried_from_its_first_failed_record(depot: Depot) -> None:
    lockers = {mode: _unique(mode) for mode in ("before", "once", "after")}
    depot.client("dynamodb").batch_write_item(
        RequestItems={
            depot.name("lockers"): [
                {"PutRequest": {"Item": {"locker": {"S": locker}, "fail": {"S": mode}}}}
                for mode, locker in lockers.items()
            ]
        }
    )

    depot.wait_for("the failed record's retry", lambda: len(_locker_records(depot, lockers["once"])) >= 2)
    depot.wait_for("the record after it", lambda: len(_locker_records(depot, lockers["after"])) >= 1)

    assert len(_locker_records(depot, lockers["before"])) == 1  # before the checkpoint: done, never again
    assert len(_locker_records(depot, lockers["once"])) == 2
    invocations = depot.invocations("on-locker")
    failing = next(
        n
        for n, line in enumerate(invocations)
        if line["answer"]["batchItemFailures"] and lockers["once"] in json.dumps(line)
    )
    retry = invocations[failing + 1]["event"]["Records"]
    assert retry[0]["dynamodb"]["Keys"]["locker"]["S"] == lockers["once"]  # the retry starts at the checkpoint


def test_a_stream_record_that_always_fails_goes_to_the_on_failure_queue(depot: Depot) -> None:
    good, bad, later = _unique("good"), _unique("bad"), _unique("later")
    dynamodb, table = depot.client("dynamodb"), depot.name("lockers")
    dynamodb.batch_write_item(
        RequestItems={
            table: [
                {"PutRequest": {"Item": {"locker": {"S": good}}}},
                {"PutRequest": {"Item": {"locker": {"S": bad}, "fail": {"S": "always"}}}},
            ]
        }
    )

    failures = depot.wait_for("the on-failure record", lambda: depot.receive_all("locker-failures", wait_seconds=1))
    dynamodb.put_item(TableName=table, Item={"locker": {"S": later}})
    depot.wait_for("the shard to move on", lambda: _locker_records(depot, later))

    (failure,) = [json.loads(m["Body"]) for m in failures]
    bad_sequence = _locker_records(depot, bad)[0]["dynamodb"]["SequenceNumber"]
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3  # the first try and 2 retries
    assert failure["requestContext"]["functionArn"].endswith(f":function:{depot.name('on-locker')}")
    assert failure["responseContext"]["statusCode"] == 200
    assert failure["version"] == "1.0" and failure["timestamp"].endswith("Z")
    info = failure["DDBStreamBatchInfo"]
    assert info["startSequenceNumber"] == bad_sequence
    assert info["batchSize"] >= 1
    assert info["streamArn"] == dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    assert {"shardId", "endSequenceNumber", "approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord"} <= set(
        info
    )
    assert len(_locker_records(depot, bad)) == 3
    assert len(_locker_records(depot, good)) == 1


def test_filter_criteria_pass_only_the_removes_made_by_ttl(depot: Depot) -> None:
    dynamodb, table = depot.client("dynamodb"), depot.name("lockers")
    expired, emptied = _unique("expired"), _unique("emptied")
    dynamodb.put_item(TableName=table, Item={"locker": {"S": emptied}})
    dynamodb.delete_item(TableName=table, Key={"locker": {"S": emptied}})
    dynamodb.put_item(TableName=table, Item={"locker": {"S": expired}, "expires_at": {"N": "1000"}})
    depot.cloud.ttl_sweep(datetime(2030, 1, 1, tzinfo=UTC))

    removes = depot.wait_for(
        "the TTL remove",
        lambda: [r for r in _records(depot, "on-expiry") if expired in json.dumps(r["dynamodb"]["Keys"])],
    )

    assert [r["eventName"] for r in removes] == ["REMOVE"]
    assert removes[0]["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    # The ordinary delete came earlier on the same shard: had the filter passed it, it would be here already.
    assert not [r for r in _records(depot, "on-expiry") if emptied in json.dumps(r["dynamodb"]["Keys"])]
    assert all(r["eventName"] == "REMOVE" for r in _records(depot, "on-expiry"))


# --- Kinesis -------------------------------------------------------------------------------------------


def _scans(depot: Depot, run: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(record, decoded data) of this run's scans, in delivery order."""
    found = []
    for line in depot.invocations("on-tracking"):
        for record in line["event"]["Records"]:
            data = json.loads(base64.b64decode(record["kinesis"]["data"]))
            if data.get("run") == run:
                found.append((record, data))
    return found


def test_kinesis_scans_arrive_in_order_per_parcel_and_noise_is_filtered_out(depot: Depot) -> None:
    kinesis, stream, run = depot.client("kinesis"), depot.name("tracking"), _unique("run")
    parcels = [f"P-{n}" for n in range(4)]  # partition keys spread over both shards
    for step in range(5):
        records = [
            {"Data": json.dumps({"run": run, "kind": "scan", "parcel": p, "step": step}).encode(), "PartitionKey": p}
            for p in parcels
        ]
        records.append({"Data": json.dumps({"run": run, "kind": "noise"}).encode(), "PartitionKey": parcels[0]})
        records.append({"Data": b"not json " + run.encode(), "PartitionKey": parcels[1]})
        kinesis.put_records(StreamName=stream, Records=records)

    scans = depot.wait_for("every scan", lambda: (found := _scans(depot, run)) and len(found) >= 20 and found)

    assert all(data["kind"] == "scan" for _, data in scans)
    assert not any(
        run in json.dumps(line) and b"not json" in base64.b64decode(r["kinesis"]["data"])
        for line in depot.invocations("on-tracking")
        for r in line["event"]["Records"]
    )
    for parcel in parcels:
        assert [data["step"] for _, data in scans if data["parcel"] == parcel] == list(range(5))
    record, data = scans[0]
    stream_arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    assert record["eventSource"] == "aws:kinesis"
    assert record["eventName"] == "aws:kinesis:record"
    assert record["eventVersion"] == "1.0"
    assert record["eventSourceARN"] == stream_arn
    assert record["awsRegion"] == depot.cloud.region
    assert record["kinesis"]["kinesisSchemaVersion"] == "1.0"
    assert record["kinesis"]["partitionKey"] == data["parcel"]
    assert record["eventID"] == f"{record['eventID'].split(':')[0]}:{record['kinesis']['sequenceNumber']}"
    assert record["eventID"].startswith("shardId-")
    assert isinstance(record["kinesis"]["approximateArrivalTimestamp"], int | float)


def test_bisection_isolates_a_bad_scan_and_sends_only_it_to_the_on_failure_queue(depot: Depot) -> None:
    kinesis, run = depot.client("kinesis"), _unique("run")
    steps = ["ok", "ok", "always", "ok"]
    put = kinesis.put_records(
        StreamName=depot.name("tracking"),
        Records=[
            {"Data": json.dumps({"run": run, "kind": "scan", "step": n, "fail": mode}).encode(), "PartitionKey": run}
            for n, mode in enumerate(steps)
        ],
    )

    failures = depot.wait_for("the on-failure record", lambda: depot.receive_all("tracking-failures", wait_seconds=1))
    depot.wait_for("the scan after the bad one", lambda: any(data["step"] == 3 for _, data in _scans(depot, run)))

    (failure,) = [json.loads(m["Body"]) for m in failures]
    bad_sequence = put["Records"][2]["SequenceNumber"]
    info = failure["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (
        bad_sequence,
        bad_sequence,
        1,
    )
    assert info["shardId"] == put["Records"][2]["ShardId"]
    assert failure["responseContext"]["functionError"] == "Unhandled"
    succeeded = {
        data["step"]
        for line in depot.invocations("on-tracking")
        if not line["answer"]["failed"]
        for data in line["scans"]
        if data.get("run") == run
    }
    assert succeeded == {0, 1, 3}


# --- EventBridge ---------------------------------------------------------------------------------------


def test_a_parcel_delivered_event_reaches_the_queue_the_function_and_the_state_machine(depot: Depot) -> None:
    parcel, other = _unique("P"), _unique("P")
    events = depot.client("events")
    for detail_type, which in (("ParcelLost", other), ("ParcelDelivered", parcel)):
        events.put_events(
            Entries=[
                {
                    "Source": "depot",
                    "DetailType": detail_type,
                    "Detail": json.dumps({"parcel": which}),
                    "EventBusName": depot.name("bus"),
                }
            ]
        )

    queued = depot.wait_for(
        "the queue target", lambda: [json.loads(m["Body"]) for m in depot.receive_all("delivered", wait_seconds=1)]
    )
    notified = depot.wait_for(
        "the function target",
        lambda: [line["event"] for line in depot.invocations("notify") if parcel in json.dumps(line)],
    )
    machine = f"arn:aws:states:{depot.cloud.region}:{depot.cloud.account}:stateMachine:{depot.name('receipt')}"
    sfn = depot.client("stepfunctions")

    def finished() -> list[dict[str, Any]]:
        executions = sfn.list_executions(stateMachineArn=machine)["executions"]
        described = [sfn.describe_execution(executionArn=e["executionArn"]) for e in executions]
        return [d for d in described if parcel in d["input"] and d["status"] == "SUCCEEDED"]

    (execution,) = depot.wait_for("the state machine target", finished)

    assert [event["detail"]["parcel"] for event in queued] == [parcel]
    assert queued[0]["detail-type"] == "ParcelDelivered" and queued[0]["source"] == "depot"
    assert notified == [{"parcel": parcel, "deliveredAt": notified[0]["deliveredAt"]}]  # the input transformer's shape
    assert json.loads(execution["output"]) == {"parcel": parcel, "source": "depot"}
    assert not any(other in json.dumps(line) for line in depot.invocations("notify"))


def test_the_nightly_schedule_sends_a_scheduled_event_to_its_targets(depot: Depot) -> None:
    at = datetime(2030, 1, 2, 3, 0, tzinfo=UTC)
    fired = depot.cloud.sources.fire_schedule(depot.name("nightly"), at)

    counted = depot.wait_for(
        "the function target",
        lambda: [line["event"] for line in depot.invocations("count-lockers") if line["event"]["id"] == fired["id"]],
    )
    ticks = depot.wait_for(
        "the queue target", lambda: [json.loads(m["Body"]) for m in depot.receive_all("ticks", wait_seconds=1)]
    )

    assert counted == [fired] and ticks == [fired]
    assert fired["source"] == "aws.events" and fired["detail-type"] == "Scheduled Event"
    assert fired["time"] == "2030-01-02T03:00:00Z" and fired["detail"] == {}
    assert fired["resources"] == [
        f"arn:aws:events:{depot.cloud.region}:{depot.cloud.account}:rule/{depot.name('nightly')}"
    ]


def test_a_rate_schedule_fires_on_its_own_clock(depot: Depot) -> None:
    sources: Any = depot.cloud.sources
    rule = sources.rules[depot.name("every-minute")]
    rule.started = datetime.now(UTC) - timedelta(seconds=59)  # as if the cloud had run for 59 seconds
    due = (rule.started + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    (event,) = depot.wait_for(
        "the minutely event",
        lambda: [line["event"] for line in depot.invocations("count-lockers") if line["event"]["time"] == due],
    )

    assert event["resources"] == [rule.arn]
    assert event["detail-type"] == "Scheduled Event"


def test_status_describes_every_source(depot: Depot) -> None:
    lines = depot.cloud.status()["sources"]

    assert len(lines) == 10
    assert any(line.startswith(f"sqs {depot.name('route.fifo')} ") and "FIFO" in line for line in lines)
    assert any(line.startswith(f"kinesis {depot.name('tracking')} ") and "2 shard(s)" in line for line in lines)
    assert any(line.startswith(f"rule {depot.name('nightly')} (cron(0 3 * * ? *))") for line in lines)
