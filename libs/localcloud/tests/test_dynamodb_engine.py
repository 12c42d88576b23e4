"""The cloud's DynamoDB is DynamoDB Local behind the emulator's port: AWS's semantics, the cloud's ARNs, what
DynamoDB Local lacks answered by the front, and an engine that stays on 127.0.0.1 and never outlives its cloud.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from library_sample.stack import PREFIX

from localcloud import dynamodb_local
from localcloud.cloud import ACCOUNT
from localcloud.polling import eventually


def _books(cloud: Any, outputs: dict[str, str], prefix: str, count: int) -> None:
    dynamodb = cloud.client("dynamodb")
    for n in range(count):
        dynamodb.put_item(
            TableName=outputs["books_table"], Item={"isbn": {"S": f"{prefix}-{n}"}, "copies": {"N": str(n)}}
        )


def test_a_cancelled_transaction_leaves_every_item_it_named_as_it_was(cloud: Any, outputs: dict[str, str]) -> None:
    dynamodb, table = cloud.client("dynamodb"), outputs["books_table"]
    _books(cloud, outputs, "rollback", 3)
    before = {n: dynamodb.get_item(TableName=table, Key={"isbn": {"S": f"rollback-{n}"}})["Item"] for n in range(3)}

    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Update": {"TableName": table, "Key": {"isbn": {"S": "rollback-0"}},
                            "UpdateExpression": "SET copies = :n", "ExpressionAttributeValues": {":n": {"N": "99"}}}},
                {"Delete": {"TableName": table, "Key": {"isbn": {"S": "rollback-1"}}}},
                {"Put": {"TableName": table, "Item": {"isbn": {"S": "rollback-new"}}}},
                {"Put": {"TableName": table, "Item": {"isbn": {"S": "rollback-2"}},
                         "ConditionExpression": "attribute_not_exists(isbn)"}},
            ]
        )  # fmt: skip

    after = {n: dynamodb.get_item(TableName=table, Key={"isbn": {"S": f"rollback-{n}"}}).get("Item") for n in range(3)}
    assert after == before
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"isbn": {"S": "rollback-new"}})


def test_an_update_that_creates_its_item_gives_one_insert_record_with_the_whole_item(
    cloud: Any, outputs: dict[str, str]
) -> None:
    dynamodb, streams = cloud.client("dynamodb"), cloud.client("dynamodbstreams")
    stream = outputs["books_stream_arn"]
    shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]

    dynamodb.update_item(
        TableName=outputs["books_table"],
        Key={"isbn": {"S": "upserted"}},
        UpdateExpression="ADD copies :one SET title = :title",
        ExpressionAttributeValues={":one": {"N": "1"}, ":title": {"S": "Upserted"}},
    )

    records = [r for r in streams.get_records(ShardIterator=iterator)["Records"]
               if r["dynamodb"]["Keys"]["isbn"]["S"] == "upserted"]  # fmt: skip
    assert [(r["eventName"], sorted(r["dynamodb"]["NewImage"])) for r in records] == [
        ("INSERT", ["copies", "isbn", "title"])
    ]


def test_arns_read_the_clouds_region_and_account_and_are_accepted_back(cloud: Any, outputs: dict[str, str]) -> None:
    dynamodb, streams = cloud.client("dynamodb"), cloud.client("dynamodbstreams")
    table = dynamodb.describe_table(TableName=outputs["books_table"])["Table"]
    prefix = f"arn:aws:dynamodb:{cloud.region}:{ACCOUNT}:table/{outputs['books_table']}"

    assert table["TableArn"] == prefix
    assert table["LatestStreamArn"].startswith(prefix + "/stream/")
    assert outputs["books_stream_arn"] == table["LatestStreamArn"]
    described = streams.describe_stream(StreamArn=table["LatestStreamArn"])["StreamDescription"]
    assert described["StreamArn"] == table["LatestStreamArn"]
    # A table's ARN stands for its name, as on AWS.
    assert dynamodb.get_item(TableName=table["TableArn"], Key={"isbn": {"S": "978-0"}})["Item"]["author"] == {
        "S": "Eco"
    }


def test_what_dynamodb_local_lacks_is_answered_as_aws_answers_it(cloud: Any, outputs: dict[str, str]) -> None:
    dynamodb = cloud.client("dynamodb")
    name = outputs["books_table"]
    arn = dynamodb.describe_table(TableName=name)["Table"]["TableArn"]

    assert dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires_at",
    }
    assert dynamodb.describe_time_to_live(TableName=f"{PREFIX}-counters")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"
    }
    dynamodb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "library"}, {"Key": "tier", "Value": "1"}])
    dynamodb.untag_resource(ResourceArn=arn, TagKeys=["tier"])
    assert dynamodb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "library"}]
    backups = dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED"
    dynamodb.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    backups = dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert dynamodb.describe_endpoints()["Endpoints"][0]["CachePeriodInMinutes"] == 1440
    with pytest.raises(dynamodb.exceptions.ResourceNotFoundException):
        dynamodb.describe_time_to_live(TableName="no-such-table")
    with pytest.raises(dynamodb.exceptions.ResourceNotFoundException):
        dynamodb.list_tags_of_resource(ResourceArn=arn.replace(name, "no-such-table"))


def test_a_repeated_transaction_token_is_applied_once_and_refused_with_another_body(
    cloud: Any, outputs: dict[str, str]
) -> None:
    dynamodb, table = cloud.client("dynamodb"), f"{PREFIX}-counters"
    item = f"token-{uuid.uuid4()}"
    token = str(uuid.uuid4())

    def add(amount: int) -> None:
        dynamodb.transact_write_items(
            ClientRequestToken=token,
            TransactItems=[
                {"Update": {"TableName": table, "Key": {"id": {"S": item}}, "UpdateExpression": "ADD n :a",
                            "ExpressionAttributeValues": {":a": {"N": str(amount)}}}}
            ],
        )  # fmt: skip

    add(1)
    add(1)  # the SDK's retry after a lost answer: applied once
    with pytest.raises(dynamodb.exceptions.IdempotentParameterMismatchException):
        add(2)
    assert dynamodb.get_item(TableName=table, Key={"id": {"S": item}})["Item"]["n"] == {"N": "1"}


def test_sixteen_clients_of_transactions_on_one_item_never_break_the_counter(cloud: Any) -> None:
    """moto's DynamoDB gave HTTP 500s and lost updates here; DynamoDB Local is exact. Conflicts are the front's
    (AWS's behaviour): every transaction either committed or was cancelled, and the counter equals the commits."""
    table, item = f"{PREFIX}-counters", f"tx-race-{uuid.uuid4()}"

    def client() -> Any:
        return cloud._session.client(
            "dynamodb", endpoint_url=cloud.endpoint, config=Config(retries={"total_max_attempts": 1})
        )

    def writer(_: int) -> tuple[int, int]:
        dynamodb, committed, cancelled = client(), 0, 0
        for _round in range(10):
            try:
                dynamodb.transact_write_items(
                    TransactItems=[
                        {"Update": {"TableName": table, "Key": {"id": {"S": item}}, "UpdateExpression": "ADD n :one",
                                    "ExpressionAttributeValues": {":one": {"N": "1"}}}}
                    ]
                )  # fmt: skip
                committed += 1
            except dynamodb.exceptions.TransactionCanceledException as error:
                assert {r["Code"] for r in error.response["CancellationReasons"]} == {"TransactionConflict"}
                cancelled += 1
        return committed, cancelled

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(writer, range(16)))
    committed = sum(c for c, _ in outcomes)
    assert committed + sum(c for _, c in outcomes) == 160
    stored = cloud.client("dynamodb").get_item(TableName=table, Key={"id": {"S": item}}).get("Item", {})
    assert int(stored.get("n", {"N": "0"})["N"]) == committed


def _listening(port: int) -> list[str]:
    """The local addresses of the sockets listening on this TCP port (from /proc/net/tcp and tcp6)."""
    found = []
    for name in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{name}").read_text().splitlines()[1:]:
            fields = line.split()
            address, state = fields[1], fields[3]
            host, port_hex = address.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:
                found.append(host)
    return found


def _loopback(host_hex: str) -> bool:
    if len(host_hex) == 8:  # IPv4, little-endian
        return socket.inet_ntoa(bytes.fromhex(host_hex)[::-1]) == "127.0.0.1"
    raw = b"".join(bytes.fromhex(host_hex[i : i + 8])[::-1] for i in range(0, 32, 8))
    text = socket.inet_ntop(socket.AF_INET6, raw)
    return text in ("::1", "::ffff:127.0.0.1")


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the listening sockets from /proc/net")
def test_dynamodb_local_listens_on_127_0_0_1_only(cloud: Any) -> None:
    engine = cloud.emulator.engine
    sockets = _listening(engine.port)

    assert sockets, f"nothing listens on the engine's port {engine.port}"
    assert all(_loopback(host) for host in sockets), sockets
    # Any other address of this machine is refused.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # picks the outward interface; sends nothing
            outward = probe.getsockname()[0]
        except OSError:
            outward = "127.0.0.1"
    if outward != "127.0.0.1":
        with pytest.raises(OSError), socket.create_connection((outward, engine.port), timeout=2):
            pass


def test_the_engine_stops_by_its_pid_and_never_outlives_the_process_that_started_it(tmp_path: Path) -> None:
    engine = dynamodb_local.DynamoDBLocal()
    engine.start()
    pid = engine.pid
    assert pid is not None and engine.alive()
    engine.stop()
    assert dynamodb_local.wait_until_gone(pid)

    # A process with a cloud in it: killed outright, its engine exits on its own (its stdin closes).
    script = textwrap.dedent(
        f"""
        import os, sys
        from localcloud.cloud import LocalCloud
        from localcloud.stack import Stack
        cloud = LocalCloud([Stack(name="empty")], state_dir={str(tmp_path)!r}, start_sources=False).start()
        print(cloud.emulator.engine.pid, flush=True)
        sys.stdin.read()
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = eventually(lambda: child.stdout.readline() if child.stdout else None, "the child's engine pid", 90)
        engine_pid = int(line)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        assert dynamodb_local.wait_until_gone(engine_pid), f"the engine (pid {engine_pid}) outlived its cloud"
    finally:
        if child.poll() is None:
            child.kill()
