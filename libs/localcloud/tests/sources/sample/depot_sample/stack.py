"""The event source tests' sample stack: a parcel depot, with one of every kind of event source.

* manifests dropped in a bucket (``incoming/*.csv``) are read by ``on-manifest``;
* parcels queue up to be sorted (standard queue, partial batch responses, a DLQ after 2 receives);
* routes are driven stop by stop (FIFO queue: one group per van, in order);
* returned parcels are gathered in batches (a 2-second batching window);
* lockers (a table with a stream and TTL) report every change to ``on-locker`` (checkpointed retries,
  an on-failure queue) and their TTL expiries to ``on-expiry`` (filter criteria);
* tracking scans go through a Kinesis stream with two shards (filter on data, bisection on error);
* a ``ParcelDelivered`` rule on the depot's bus feeds a queue, a function and a state machine;
* a nightly schedule and one every minute count the lockers.

Every handler appends what it received to the journal file named by ``DEPOT_JOURNAL``.
"""

from __future__ import annotations

from pathlib import Path

from localcloud.stack import (
    Attribute,
    Bucket,
    BucketNotification,
    DestinationConfig,
    EventBus,
    Function,
    InputTransformer,
    KinesisStream,
    Queue,
    Rule,
    RuleTarget,
    SqsSource,
    Stack,
    StateMachine,
    StreamSource,
    Table,
)

SAMPLE = Path(__file__).resolve().parent.parent
TTL_REMOVES = {"eventName": ["REMOVE"], "userIdentity": {"principalId": ["dynamodb.amazonaws.com"]}}


def stack(prefix: str, journal: Path) -> Stack:
    def function(role: str, handler: str, *sources: SqsSource | StreamSource) -> Function:
        return Function(
            name=f"{prefix}-depot-{role}",
            handler=f"depot_sample.handlers.{handler}",
            environment={"DEPOT_JOURNAL": str(journal)},
            timeout=10,
            event_sources=sources,
            code_paths=(SAMPLE,),
        )

    name = f"{prefix}-depot"
    return Stack(
        name="depot",
        buckets=(
            Bucket(
                name=f"{name}-manifests",
                notifications=(BucketNotification(function=f"{name}-on-manifest", prefix="incoming/", suffix=".csv"),),
            ),
        ),
        tables=(
            Table(
                name=f"{name}-lockers",
                hash_key=Attribute(name="locker"),
                stream_view="NEW_AND_OLD_IMAGES",
                ttl_attribute="expires_at",
            ),
        ),
        streams=(KinesisStream(name=f"{name}-tracking", shard_count=2),),
        queues=(
            Queue(
                name=f"{name}-parcels",
                visibility_timeout=2,
                dead_letter_queue=f"{name}-parcels-dlq",
                max_receive_count=2,
            ),
            Queue(name=f"{name}-parcels-dlq"),
            Queue(
                name=f"{name}-route.fifo",
                fifo=True,
                content_based_deduplication=True,
                visibility_timeout=2,
                dead_letter_queue=f"{name}-route-dlq.fifo",
                max_receive_count=3,
            ),
            Queue(name=f"{name}-route-dlq.fifo", fifo=True),
            Queue(name=f"{name}-locker-failures"),
            Queue(name=f"{name}-tracking-failures"),
            Queue(name=f"{name}-delivered"),
            Queue(name=f"{name}-ticks"),
            Queue(name=f"{name}-returns"),
        ),
        event_buses=(EventBus(name=f"{name}-bus"),),
        rules=(
            Rule(
                name=f"{name}-parcel-delivered",
                event_bus=f"{name}-bus",
                event_pattern={"source": ["depot"], "detail-type": ["ParcelDelivered"]},
                targets=(
                    RuleTarget(kind="queue", name=f"{name}-delivered"),
                    RuleTarget(
                        kind="function",
                        name=f"{name}-notify",
                        input_transformer=InputTransformer(
                            input_paths={"parcel": "$.detail.parcel", "at": "$.time"},
                            input_template='{"parcel": "<parcel>", "deliveredAt": "<at>"}',
                        ),
                    ),
                    RuleTarget(kind="state_machine", name=f"{name}-receipt"),
                ),
            ),
            Rule(
                name=f"{name}-every-minute",
                schedule_expression="rate(1 minute)",
                targets=(RuleTarget(kind="function", name=f"{name}-count-lockers"),),
            ),
            Rule(
                name=f"{name}-nightly",
                schedule_expression="cron(0 3 * * ? *)",
                targets=(
                    RuleTarget(kind="function", name=f"{name}-count-lockers"),
                    RuleTarget(kind="queue", name=f"{name}-ticks"),
                ),
            ),
        ),
        functions=(
            function("on-manifest", "on_manifest"),
            function("sort-parcel", "sort_parcel", SqsSource(queue=f"{name}-parcels", batch_size=5)),
            function(
                "drive-route", "drive_route", SqsSource(queue=f"{name}-route.fifo", batch_size=3, maximum_concurrency=3)
            ),
            function(
                "on-locker",
                "on_locker",
                StreamSource(
                    kind="dynamodb",
                    table=f"{name}-lockers",
                    batch_size=10,
                    maximum_retry_attempts=2,
                    destination=DestinationConfig(on_failure_queue=f"{name}-locker-failures"),
                ),
            ),
            function(
                "on-expiry",
                "on_expiry",
                StreamSource(kind="dynamodb", table=f"{name}-lockers", filter_patterns=(TTL_REMOVES,)),
            ),
            function(
                "on-tracking",
                "on_tracking",
                StreamSource(
                    kind="kinesis",
                    stream=f"{name}-tracking",
                    batch_size=10,
                    filter_patterns=({"data": {"kind": ["scan"]}},),
                    report_batch_item_failures=False,
                    bisect_batch_on_function_error=True,
                    maximum_retry_attempts=1,
                    destination=DestinationConfig(on_failure_queue=f"{name}-tracking-failures"),
                ),
            ),
            function(
                "gather-returns",
                "journal_only",
                SqsSource(queue=f"{name}-returns", batch_size=10, maximum_batching_window_seconds=2),
            ),
            function("notify", "journal_only"),
            function("count-lockers", "journal_only"),
        ),
        state_machines=(
            StateMachine(name=f"{name}-receipt", definition_file=SAMPLE / "statemachines" / "receipt.asl.json"),
        ),
        outputs={"parcels_queue_url": f"${{queue.{name}-parcels.url}}"},
    )
