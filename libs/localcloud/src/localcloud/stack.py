"""The resources a service declares for the local cloud, mirroring its Terraform module.

A service's ``stack.py`` builds one :class:`Stack` from a name prefix, exactly as its Terraform module
builds names from ``var.name_prefix``. Every name here is the physical name (the prefix already applied).

Values that only exist once resources are created (queue URLs, ARNs, function URLs) are written as
references, ``${kind.name.attribute}``, and resolved by the local cloud when it starts:

=================  ============================  ===================================================
kind               attributes                    example
=================  ============================  ===================================================
``bucket``         ``name``, ``arn``             ``${bucket.pizza-stock-deliveries.arn}``
``table``          ``name``, ``arn``, ``stream_arn``
``stream``         ``name``, ``arn``             (Kinesis)
``queue``          ``name``, ``arn``, ``url``
``topic``          ``name``, ``arn``             (SNS)
``bus``            ``name``, ``arn``
``function``       ``name``, ``arn``, ``url``     ``${function.pizza-stock-api.url}`` (its function URL)
``state_machine``  ``name``, ``arn``
=================  ============================  ===================================================

The local cloud knows nothing of pizzas: any stack built from these models runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The name may hold dots (``pizza-oven-waiting.fifo``): the attribute is what follows the last one.
REFERENCE = re.compile(r"\$\{(bucket|table|stream|queue|topic|bus|function|state_machine)\.([^}]+)\.([a-z_]+)\}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- storage -------------------------------------------------------------------------------------------


class BucketNotification(_Model):
    """``s3:ObjectCreated`` (or other) events of a bucket delivered to a function."""

    function: str
    events: tuple[str, ...] = ("s3:ObjectCreated:*",)
    prefix: str = ""
    suffix: str = ""


class Bucket(_Model):
    name: str
    notifications: tuple[BucketNotification, ...] = ()
    # Default encryption, as the module's aws_s3_bucket_server_side_encryption_configuration: with "aws:kms"
    # every object's ETag is opaque (not its MD5), as on S3.
    sse_algorithm: Literal["AES256", "aws:kms"] = "AES256"


class Attribute(_Model):
    name: str
    type: Literal["S", "N", "B"] = "S"


class GlobalSecondaryIndex(_Model):
    name: str
    hash_key: Attribute
    range_key: Attribute | None = None
    projection: Literal["ALL", "KEYS_ONLY"] = "ALL"


class Table(_Model):
    """A DynamoDB table, billed on demand as every table in this repo is."""

    name: str
    hash_key: Attribute
    range_key: Attribute | None = None
    stream_view: Literal["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"] | None = None
    ttl_attribute: str | None = None
    global_secondary_indexes: tuple[GlobalSecondaryIndex, ...] = ()
    # Items written when the table is created, as plain Python values (as Terraform's aws_dynamodb_table_item).
    seed_items: tuple[dict[str, Any], ...] = ()


class KinesisStream(_Model):
    name: str
    shard_count: int = 1
    retention_hours: int = 24


class Queue(_Model):
    name: str
    fifo: bool = False
    content_based_deduplication: bool = False
    visibility_timeout: int = 30
    delay_seconds: int = 0
    message_retention_seconds: int = 345_600
    # The queue (its physical name) that receives messages received more than max_receive_count times.
    dead_letter_queue: str | None = None
    max_receive_count: int = 3

    @model_validator(mode="after")
    def _fifo_names_end_in_fifo(self) -> Queue:
        if self.fifo != self.name.endswith(".fifo"):
            raise ValueError(f"queue {self.name!r}: a FIFO queue's name ends in .fifo, and only a FIFO queue's does")
        return self


class Topic(_Model):
    """An SNS topic (notifications); nothing subscribes locally, published messages are kept by moto."""

    name: str


# --- events --------------------------------------------------------------------------------------------


class EventBus(_Model):
    name: str


class InputTransformer(_Model):
    input_paths: dict[str, str] = Field(default_factory=dict)
    input_template: str


class RuleTarget(_Model):
    kind: Literal["queue", "function", "state_machine"]
    name: str
    input_transformer: InputTransformer | None = None
    message_group_id: str | None = None  # for FIFO queue targets


class Rule(_Model):
    """An EventBridge rule: an event pattern on a bus, or a schedule (``rate(...)``/``cron(...)``)."""

    name: str
    event_bus: str = "default"
    event_pattern: dict[str, Any] | None = None
    schedule_expression: str | None = None
    targets: tuple[RuleTarget, ...]
    # A DISABLED rule (Terraform ``state``) exists but never fires nor matches.
    enabled: bool = True

    @model_validator(mode="after")
    def _pattern_or_schedule(self) -> Rule:
        if (self.event_pattern is None) == (self.schedule_expression is None):
            raise ValueError(f"rule {self.name!r}: give an event_pattern or a schedule_expression, not both")
        return self


# --- compute -------------------------------------------------------------------------------------------


class DestinationConfig(_Model):
    """Where records go after the retries of a stream or queue source are spent."""

    on_failure_queue: str | None = None


class SqsSource(_Model):
    kind: Literal["sqs"] = "sqs"
    queue: str
    batch_size: int = 10
    maximum_batching_window_seconds: int = 0
    report_batch_item_failures: bool = True
    maximum_concurrency: int | None = None


class StreamSource(_Model):
    """A DynamoDB stream (``table``) or a Kinesis stream (``stream``) read shard by shard, in order."""

    kind: Literal["dynamodb", "kinesis"]
    table: str | None = None
    stream: str | None = None
    batch_size: int = 100
    maximum_batching_window_seconds: int = 0
    starting_position: Literal["TRIM_HORIZON", "LATEST"] = "TRIM_HORIZON"
    # Lambda filter criteria: each entry is one pattern (a dict) matched against the record.
    filter_patterns: tuple[dict[str, Any], ...] = ()
    report_batch_item_failures: bool = True
    maximum_retry_attempts: int = 3
    bisect_batch_on_function_error: bool = False
    destination: DestinationConfig = DestinationConfig()

    @model_validator(mode="after")
    def _one_source(self) -> StreamSource:
        wanted = "table" if self.kind == "dynamodb" else "stream"
        if getattr(self, wanted) is None or (self.table is not None and self.stream is not None):
            raise ValueError(f"a {self.kind} source names its {wanted} and nothing else")
        return self


EventSource = SqsSource | StreamSource


class FunctionUrl(_Model):
    """A Lambda function URL: the function's own HTTPS endpoint (Terraform ``aws_lambda_function_url``).

    Every HTTP API of this repo is one (docs/decisions.md, 2026-11-27): payload format 2.0, routing done by
    the function itself (a Powertools v2 resolver on ``rawPath``). With ``AWS_IAM`` callers sign SigV4 for
    the service ``lambda`` and need ``lambda:InvokeFunctionUrl`` and ``lambda:InvokeFunction`` on the
    function; the local gateway refuses unsigned requests with 403.
    """

    authorization: Literal["AWS_IAM", "NONE"] = "AWS_IAM"
    invoke_mode: Literal["BUFFERED"] = "BUFFERED"


class Function(_Model):
    name: str
    handler: str  # "package.module.function", as on Lambda
    environment: dict[str, str] = Field(default_factory=dict)
    timeout: int = 30
    memory_size: int = 256
    reserved_concurrency: int | None = None
    event_sources: tuple[EventSource, ...] = ()
    # Its function URL, if it serves HTTP: ``${function.<name>.url}`` is the base URL.
    url: FunctionUrl | None = None
    # Folders put on the worker's sys.path before the handler is imported (the unpacked "zip").
    # Empty means the handler is importable from the environment localcloud runs in.
    code_paths: tuple[Path, ...] = ()


class StateMachine(_Model):
    name: str
    definition_file: Path
    # Terraform templatefile() variables: ${name} in the file is replaced by the value (references allowed).
    substitutions: dict[str, str] = Field(default_factory=dict)
    type: Literal["STANDARD", "EXPRESS"] = "STANDARD"


# --- the stack -----------------------------------------------------------------------------------------


class Stack(_Model):
    """Everything one service deploys, plus the outputs its Terraform module declares."""

    name: str  # the service, e.g. "stock"; the key under "services" in outputs.json
    buckets: tuple[Bucket, ...] = ()
    tables: tuple[Table, ...] = ()
    streams: tuple[KinesisStream, ...] = ()
    queues: tuple[Queue, ...] = ()
    topics: tuple[Topic, ...] = ()
    event_buses: tuple[EventBus, ...] = ()
    rules: tuple[Rule, ...] = ()
    functions: tuple[Function, ...] = ()
    state_machines: tuple[StateMachine, ...] = ()
    outputs: dict[str, str] = Field(default_factory=dict)

    def function(self, name: str) -> Function:
        for function in self.functions:
            if function.name == name:
                return function
        raise KeyError(f"stack {self.name!r} has no function {name!r}")

    def references(self) -> set[tuple[str, str, str]]:
        """Every ``${kind.name.attribute}`` used in environments, substitutions and outputs."""
        texts: list[str] = list(self.outputs.values())
        for function in self.functions:
            texts.extend(function.environment.values())
        for machine in self.state_machines:
            texts.extend(machine.substitutions.values())
        return {match.groups() for text in texts for match in REFERENCE.finditer(text)}  # type: ignore[misc]


def table_arguments(table: Table) -> dict[str, Any]:
    """``CreateTable`` arguments for a declared table (keys, indexes, stream; on-demand billing)."""
    attributes = {table.hash_key.name: table.hash_key.type}
    keys = [{"AttributeName": table.hash_key.name, "KeyType": "HASH"}]
    if table.range_key is not None:
        attributes[table.range_key.name] = table.range_key.type
        keys.append({"AttributeName": table.range_key.name, "KeyType": "RANGE"})
    indexes = []
    for index in table.global_secondary_indexes:
        attributes[index.hash_key.name] = index.hash_key.type
        schema = [{"AttributeName": index.hash_key.name, "KeyType": "HASH"}]
        if index.range_key is not None:
            attributes[index.range_key.name] = index.range_key.type
            schema.append({"AttributeName": index.range_key.name, "KeyType": "RANGE"})
        indexes.append(
            {"IndexName": index.name, "KeySchema": schema, "Projection": {"ProjectionType": index.projection}}
        )
    arguments: dict[str, Any] = {
        "TableName": table.name,
        "KeySchema": keys,
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": kind} for name, kind in attributes.items()],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if indexes:
        arguments["GlobalSecondaryIndexes"] = indexes
    if table.stream_view is not None:
        arguments["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": table.stream_view}
    return arguments
