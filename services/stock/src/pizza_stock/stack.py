"""The stock service's resources for the local cloud: the same as ``terraform/modules/stock`` (a test holds them).

Resources, with prefix ``pizza``:

- bucket ``pizza-stock-deliveries``: ``.csv`` objects notify ``pizza-stock-ingest`` (reports are ``.json``);
- table ``pizza-stock-batches``: ``pk``/``sk``, stream NEW_AND_OLD_IMAGES, TTL on ``expires_at_epoch``,
  sparse index ``levels``;
- Kinesis stream ``pizza-stock-levels``: every level change;
- functions ``pizza-stock-ingest``, ``-expire`` (TTL removals, and a sweep every minute by the rule
  ``pizza-stock-expire-sweep``), ``-broadcast`` (level changes), ``-api``;
- queues ``pizza-stock-expire-failures`` and ``pizza-stock-broadcast-failures``: stream records whose
  retries are spent;
- the function URL of ``pizza-stock-api`` (AWS_IAM): ``GET /stock``, ``GET /stock/{typeId}``, ``POST /transactions``
  (routed by the function).
"""

from __future__ import annotations

from typing import Any

from localcloud.stack import (
    Attribute,
    Bucket,
    BucketNotification,
    DestinationConfig,
    Function,
    FunctionUrl,
    GlobalSecondaryIndex,
    KinesisStream,
    Queue,
    Rule,
    RuleTarget,
    Stack,
    StreamSource,
    Table,
)

__all__ = ["BROADCAST_FILTER", "EXPIRE_FILTER", "stack"]

# Only TTL's own deletions of batch rows: a batch drained by usage is deleted by the API, not by TTL.
EXPIRE_FILTER: dict[str, Any] = {
    "eventName": ["REMOVE"],
    "userIdentity": {"type": ["Service"], "principalId": ["dynamodb.amazonaws.com"]},
    "dynamodb": {"Keys": {"sk": {"S": [{"prefix": "BATCH#"}]}}},
}
# Only ingredient level rows, created or changed.
BROADCAST_FILTER: dict[str, Any] = {
    "eventName": ["INSERT", "MODIFY"],
    "dynamodb": {"Keys": {"sk": {"S": ["AGGREGATE"]}}},
}


def stack(prefix: str = "pizza") -> Stack:
    def name(thing: str) -> str:
        return f"{prefix}-stock-{thing}"

    table, bucket, levels, api = name("batches"), name("deliveries"), name("levels"), name("api")
    common = {
        "POWERTOOLS_SERVICE_NAME": "stock",
        "POWERTOOLS_METRICS_NAMESPACE": "CloudPizzaPlace",
        "LOG_LEVEL": "INFO",
    }
    table_env = {**common, "STOCK_TABLE": f"${{table.{table}.name}}"}

    def stream_source(filter_pattern: dict[str, Any], failures: str) -> StreamSource:
        return StreamSource(
            kind="dynamodb",
            table=table,
            batch_size=100,
            starting_position="TRIM_HORIZON",
            filter_patterns=(filter_pattern,),
            report_batch_item_failures=True,
            maximum_retry_attempts=10,
            destination=DestinationConfig(on_failure_queue=failures),
        )

    return Stack(
        name="stock",
        buckets=(
            Bucket(
                name=bucket,
                notifications=(
                    BucketNotification(function=name("ingest"), events=("s3:ObjectCreated:*",), suffix=".csv"),
                ),
                sse_algorithm="aws:kms",  # as terraform/modules/stock/storage.tf
            ),
        ),
        tables=(
            Table(
                name=table,
                hash_key=Attribute(name="pk"),
                range_key=Attribute(name="sk"),
                stream_view="NEW_AND_OLD_IMAGES",
                ttl_attribute="expires_at_epoch",
                global_secondary_indexes=(
                    GlobalSecondaryIndex(
                        name="levels",
                        hash_key=Attribute(name="levels_partition"),
                        range_key=Attribute(name="type_id"),
                        projection="ALL",
                    ),
                ),
            ),
        ),
        rules=(
            # Batches past their best-before leave their ingredient within a minute, whatever TTL's lag.
            Rule(
                name=name("expire-sweep"),
                schedule_expression="rate(1 minute)",
                targets=(RuleTarget(kind="function", name=name("expire")),),
            ),
        ),
        streams=(KinesisStream(name=levels, shard_count=1, retention_hours=24),),
        queues=(
            Queue(name=name("expire-failures"), message_retention_seconds=1_209_600),
            Queue(name=name("broadcast-failures"), message_retention_seconds=1_209_600),
        ),
        functions=(
            Function(
                name=name("ingest"),
                handler="pizza_stock.handlers.ingest.handler",
                environment=table_env,
                timeout=900,
                memory_size=512,
            ),
            Function(
                name=name("expire"),
                handler="pizza_stock.handlers.expire.handler",
                environment=table_env,
                timeout=60,
                event_sources=(stream_source(EXPIRE_FILTER, name("expire-failures")),),
            ),
            Function(
                name=name("broadcast"),
                handler="pizza_stock.handlers.broadcast.handler",
                environment={**common, "STOCK_LEVELS_STREAM": f"${{stream.{levels}.name}}"},
                timeout=60,
                event_sources=(stream_source(BROADCAST_FILTER, name("broadcast-failures")),),
            ),
            Function(
                name=name("api"),
                handler="pizza_stock.handlers.api.handler",
                environment=table_env,
                timeout=29,
                url=FunctionUrl(authorization="AWS_IAM"),
            ),
        ),
        outputs={
            "deliveries_bucket": f"${{bucket.{bucket}.name}}",
            "stock_table": f"${{table.{table}.name}}",
            "stock_levels_stream": f"${{stream.{levels}.name}}",
            "api_url": f"${{function.{api}.url}}",
        },
    )
