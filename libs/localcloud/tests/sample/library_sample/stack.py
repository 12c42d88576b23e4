"""The sample stack of localcloud's own tests: a small lending library, built from a name prefix."""

from __future__ import annotations

from pathlib import Path

from localcloud.stack import (
    Attribute,
    Bucket,
    EventBus,
    Function,
    FunctionUrl,
    GlobalSecondaryIndex,
    KinesisStream,
    Queue,
    Stack,
    StateMachine,
    Table,
)

SAMPLE = Path(__file__).resolve().parent.parent
CODE = (SAMPLE,)


PREFIX = "library"


def stack(prefix: str = PREFIX) -> Stack:
    def fn(role: str, handler: str, **options: object) -> Function:
        return Function(name=f"{prefix}-{role}", handler=f"library_sample.{handler}", code_paths=CODE, **options)  # type: ignore[arg-type]

    books = f"{prefix}-books"
    public = FunctionUrl(authorization="NONE")
    return Stack(
        name="library",
        buckets=(Bucket(name=f"{prefix}-scans"),),
        tables=(
            Table(
                name=books,
                hash_key=Attribute(name="isbn"),
                stream_view="NEW_AND_OLD_IMAGES",
                ttl_attribute="expires_at",
                global_secondary_indexes=(GlobalSecondaryIndex(name="by-author", hash_key=Attribute(name="author")),),
                seed_items=({"isbn": "978-0", "title": "The Name of the Rose", "author": "Eco", "copies": 2},),
            ),
            Table(name=f"{prefix}-counters", hash_key=Attribute(name="id")),
        ),
        streams=(KinesisStream(name=f"{prefix}-loans"),),
        queues=(
            Queue(name=f"{prefix}-returns", dead_letter_queue=f"{prefix}-returns-dlq", max_receive_count=2),
            Queue(name=f"{prefix}-returns-dlq"),
            Queue(name=f"{prefix}-holds.fifo", fifo=True, content_based_deduplication=True),
        ),
        event_buses=(EventBus(name=f"{prefix}-events"),),
        functions=(
            fn("count", "functions.count", url=public),
            fn(
                "environment",
                "functions.environment",
                environment={
                    "BOOKS_TABLE": f"${{table.{books}.name}}",
                    "RETURNS_URL": f"${{queue.{prefix}-returns.url}}",
                },
                memory_size=512,
                timeout=7,
            ),
            fn("sleep", "functions.sleep", timeout=1, url=public),
            fn("fail", "functions.fail", url=public),
            fn("echo", "functions.echo", reserved_concurrency=2, url=public),
            fn("whoami", "functions.echo", url=FunctionUrl(authorization="AWS_IAM")),
            fn(
                "api",
                "api.handler",
                environment={"BOOKS_TABLE": f"${{table.{books}.name}}", "POWERTOOLS_SERVICE_NAME": "library"},
                url=public,
            ),
            fn("lookup", "workflow.lookup"),
            fn("misspelt", "no_such_module.handler"),
            fn("hold", "workflow.hold"),
        ),
        state_machines=(
            StateMachine(
                name=f"{prefix}-checkout",
                definition_file=SAMPLE / "statemachines" / "checkout.asl.json",
                substitutions={"lookup_function_arn": f"${{function.{prefix}-lookup.arn}}"},
            ),
            StateMachine(
                name=f"{prefix}-hold",
                definition_file=SAMPLE / "statemachines" / "hold.asl.json",
                substitutions={"hold_function_name": f"${{function.{prefix}-hold.name}}"},
            ),
        ),
        outputs={
            "books_table": f"${{table.{books}.name}}",
            "books_stream_arn": f"${{table.{books}.stream_arn}}",
            "returns_queue_url": f"${{queue.{prefix}-returns.url}}",
            "api_url": f"${{function.{prefix}-api.url}}",
            "echo_url": f"${{function.{prefix}-echo.url}}",
            "whoami_url": f"${{function.{prefix}-whoami.url}}",
            "fail_url": f"${{function.{prefix}-fail.url}}",
            "sleep_url": f"${{function.{prefix}-sleep.url}}",
            "count_url": f"${{function.{prefix}-count.url}}",
            "checkout_state_machine_arn": f"${{state_machine.{prefix}-checkout.arn}}",
        },
    )
