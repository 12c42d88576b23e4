"""Test fixtures every package shares: a stack's resources in moto in process, and one fake Lambda context.

Adapter and handler tests (``tests/adapters`` of each service) build exactly what ``stack.py`` declares,
so a test never hand-writes a ``create_table`` that drifts from the deployment::

    from localcloud.testing import lambda_context, moto_stack

    @pytest.fixture
    def oven(monkeypatch):
        with moto_stack(stack("test", capacity=1)) as cloud:
            cloud.use_environment(monkeypatch)  # every function's variables, resolved
            yield cloud

    def test_...(oven):
        bake.handler(event, lambda_context())

Nothing runs here but moto: no functions, no event sources, no state machine execution (integration tests
run those on the local cloud). Requires moto, which the local cloud depends on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from localcloud.stack import REFERENCE, Queue, Stack, Table, table_arguments

if TYPE_CHECKING:
    import pytest

__all__ = [
    "ACCOUNT",
    "REGION",
    "FakeLambdaContext",
    "MotoStack",
    "function_url_event",
    "lambda_context",
    "moto_stack",
]

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's default account


@dataclass
class FakeLambdaContext:
    """What handlers and Powertools read from a Lambda context; ``remaining_millis`` counts down if asked."""

    function_name: str = "pizza-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:pizza-test"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    remaining_millis: int = 30_000
    log_group_name: str = "/aws/lambda/pizza-test"
    log_stream_name: str = "test"
    function_version: str = "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


def lambda_context(**overrides: Any) -> FakeLambdaContext:
    """One fake Lambda context (30 s remaining unless told otherwise)."""
    return FakeLambdaContext(**overrides)


def function_url_event(method: str, path: str, *, body: Any = None, raw_body: str | None = None) -> dict[str, Any]:
    """The payload 2.0 event a Lambda function URL sends (the local gateway's shape): ``body`` as JSON, or
    ``raw_body`` as it is. The handler's resolver routes on ``rawPath``."""
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
            "requestId": "request-1",
            "routeKey": "$default",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }
    if raw_body is not None or body is not None:
        event["body"] = raw_body if raw_body is not None else json.dumps(body)
    return event


def _plain_to_dynamodb(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {key: _plain_to_dynamodb(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_plain_to_dynamodb(inner) for inner in value]
    return value


@dataclass
class MotoStack:
    """The resources of some stacks, created in moto; references (``${queue.x.url}``) resolve to them."""

    stacks: tuple[Stack, ...]
    region: str = REGION
    queue_urls: dict[str, str] = field(default_factory=dict)
    table_streams: dict[str, str] = field(default_factory=dict)
    state_machine_arns: dict[str, str] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=self.region)

    def resolve(self, text: str) -> str:
        """``${kind.name.attribute}`` references as the local cloud resolves them, on moto's resources."""

        def attribute(kind: str, name: str, what: str) -> str:
            r, a = self.region, ACCOUNT
            values = {
                ("queue", "url"): lambda: self.queue_urls[name],
                ("queue", "arn"): lambda: f"arn:aws:sqs:{r}:{a}:{name}",
                ("queue", "name"): lambda: name,
                ("table", "name"): lambda: name,
                ("table", "arn"): lambda: f"arn:aws:dynamodb:{r}:{a}:table/{name}",
                ("table", "stream_arn"): lambda: self.table_streams[name],
                ("bucket", "name"): lambda: name,
                ("bucket", "arn"): lambda: f"arn:aws:s3:::{name}",
                ("stream", "name"): lambda: name,
                ("stream", "arn"): lambda: f"arn:aws:kinesis:{r}:{a}:stream/{name}",
                ("bus", "name"): lambda: name,
                ("bus", "arn"): lambda: f"arn:aws:events:{r}:{a}:event-bus/{name}",
                ("function", "name"): lambda: name,
                ("function", "arn"): lambda: f"arn:aws:lambda:{r}:{a}:function:{name}",
                ("state_machine", "arn"): lambda: f"arn:aws:states:{r}:{a}:stateMachine:{name}",
                ("state_machine", "name"): lambda: name,
            }
            getter = values.get((kind, what))
            if getter is None:
                raise LookupError(f"${{{kind}.{name}.{what}}}: not available in moto_stack")
            return getter()

        return REFERENCE.sub(lambda match: attribute(*match.groups()), text)

    @property
    def outputs(self) -> dict[str, dict[str, str]]:
        """Each stack's outputs, resolved, by service name (as in the local cloud's outputs.json)."""
        return {stack.name: {key: self.resolve(value) for key, value in stack.outputs.items()} for stack in self.stacks}

    def environment(self, function: str | None = None) -> dict[str, str]:
        """One function's environment, resolved; without a name, every function's merged."""
        merged: dict[str, str] = {}
        for stack in self.stacks:
            for declared in stack.functions:
                if function is None or declared.name == function:
                    merged |= {key: self.resolve(value) for key, value in declared.environment.items()}
        if function is not None and not merged:
            raise KeyError(f"no stack declares the function {function!r}")
        return merged

    def use_environment(self, monkeypatch: pytest.MonkeyPatch, function: str | None = None) -> dict[str, str]:
        """Set a function's (or every function's) environment for the test, as Lambda would: its variables,
        the region, fake credentials, and no endpoint override (moto intercepts in process)."""
        environment = {
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "POWERTOOLS_TRACE_DISABLED": "true",
            **self.environment(function),
        }
        for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return environment

    def queue_url(self, name: str) -> str:
        return self.queue_urls[name]

    # --- creation ----------------------------------------------------------------------------------------

    def create(self) -> None:
        dynamodb, sqs, s3 = self.client("dynamodb"), self.client("sqs"), self.client("s3")
        for stack in self.stacks:
            for bucket in stack.buckets:
                where = {} if self.region == "us-east-1" else {"LocationConstraint": self.region}
                s3.create_bucket(Bucket=bucket.name, **({"CreateBucketConfiguration": where} if where else {}))
            for table in stack.tables:
                self._create_table(dynamodb, table)
            for stream in stack.streams:
                self.client("kinesis").create_stream(StreamName=stream.name, ShardCount=stream.shard_count)
            for bus in stack.event_buses:
                if bus.name != "default":
                    self.client("events").create_event_bus(Name=bus.name)
        queues = [queue for stack in self.stacks for queue in stack.queues]
        for queue in sorted(queues, key=lambda queue: queue.dead_letter_queue is not None):
            self._create_queue(sqs, queue)
        for stack in self.stacks:
            for machine in stack.state_machines:
                self._create_state_machine(machine)

    def _create_table(self, dynamodb: Any, table: Table) -> None:
        description = dynamodb.create_table(**table_arguments(table))["TableDescription"]
        if table.stream_view is not None:
            self.table_streams[table.name] = description["LatestStreamArn"]
        if table.ttl_attribute is not None:
            dynamodb.update_time_to_live(
                TableName=table.name, TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute}
            )
        handle = boto3.resource("dynamodb", region_name=self.region).Table(table.name)
        for item in table.seed_items:
            handle.put_item(Item=_plain_to_dynamodb(item))

    def _create_queue(self, sqs: Any, queue: Queue) -> None:
        attributes = {"VisibilityTimeout": str(queue.visibility_timeout)}
        if queue.fifo:
            attributes["FifoQueue"] = "true"
            attributes["ContentBasedDeduplication"] = "true" if queue.content_based_deduplication else "false"
        if queue.dead_letter_queue is not None:
            attributes["RedrivePolicy"] = json.dumps(
                {
                    "deadLetterTargetArn": self.resolve(f"${{queue.{queue.dead_letter_queue}.arn}}"),
                    "maxReceiveCount": queue.max_receive_count,
                }
            )
        self.queue_urls[queue.name] = sqs.create_queue(QueueName=queue.name, Attributes=attributes)["QueueUrl"]

    def _create_state_machine(self, machine: Any) -> None:
        from localcloud.cloud import render_template

        path = Path(machine.definition_file)
        variables = {name: self.resolve(value) for name, value in machine.substitutions.items()}
        definition = render_template(path.read_text(encoding="utf-8"), variables, source=str(path))
        self.state_machine_arns[machine.name] = self.client("stepfunctions").create_state_machine(
            name=machine.name,
            definition=definition,
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/{machine.name}",
            type=machine.type,
        )["stateMachineArn"]


@contextmanager
def moto_stack(*stacks: Stack, region: str = REGION) -> Iterator[MotoStack]:
    """moto in process (``mock_aws``) holding the stacks' tables (seeded), queues, buckets, streams, buses and
    state machines. Clients made inside (``pizza_common.aws.client`` included, once its cache is cleared)
    reach moto. Not beside a local cloud in the same process: ``mock_aws`` resets moto's process-wide backends
    when it stops, which wipes that cloud's resources (run it in a child process there)."""
    from moto import mock_aws

    with mock_aws():
        cloud = MotoStack(stacks=stacks, region=region)
        cloud.create()
        yield cloud
