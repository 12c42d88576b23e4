"""The oven's resources for the local cloud: the same names, keys, queues, wiring and state machine file as
``terraform/modules/oven`` (a test holds the two together).

``stack(prefix)`` is what the local cloud discovers (entry point ``localcloud.stacks``); tests and the
benchmark build their own with another ``capacity``.
"""

from __future__ import annotations

import os
from pathlib import Path

from localcloud.stack import Attribute, Function, Queue, Rule, RuleTarget, SqsSource, Stack, StateMachine, Table

__all__ = ["DEFAULT_BAKING_TIME_SECS", "DEFAULT_CAPACITY", "STATE_MACHINE_FILE", "stack"]

STATE_MACHINE_FILE = Path(__file__).resolve().parents[2] / "statemachines" / "bake.asl.json"
DEFAULT_CAPACITY = 14  # Terraform: var.oven_capacity
DEFAULT_BAKING_TIME_SECS = 10  # Terraform: var.default_baking_time_secs
FUNCTION_TIMEOUT = 30
RECONCILE_SCHEDULE = "rate(1 minute)"  # Terraform: var.reconcile_schedule
DLQ_RETENTION_SECONDS = 1_209_600  # 14 days, the most SQS keeps


def _queue_pair(name: str, *, fifo: bool, visibility_timeout: int, max_receive_count: int) -> tuple[Queue, Queue]:
    """A queue and its dead-letter queue, named as docs/conventions.md says."""
    base = name.removesuffix(".fifo")
    dlq = f"{base}-dlq.fifo" if fifo else f"{base}-dlq"
    return (
        Queue(
            name=name,
            fifo=fifo,
            visibility_timeout=visibility_timeout,
            dead_letter_queue=dlq,
            max_receive_count=max_receive_count,
        ),
        Queue(name=dlq, fifo=fifo, message_retention_seconds=DLQ_RETENTION_SECONDS),
    )


def stack(
    prefix: str = "pizza",
    *,
    capacity: int | None = None,
    default_baking_time_secs: int = DEFAULT_BAKING_TIME_SECS,
    reconcile_schedule: str = RECONCILE_SCHEDULE,
) -> Stack:
    """The oven. ``capacity`` defaults to ``$OVEN_CAPACITY``, else 14 (Terraform: ``oven_capacity``)."""
    if capacity is None:
        capacity = int(os.environ.get("OVEN_CAPACITY", DEFAULT_CAPACITY))
    name = f"{prefix}-oven"
    table = f"{name}-state"
    new_items, waiting = f"{name}-new-items", f"{name}-waiting.fifo"
    wakeups, baked_items = f"{name}-wakeups.fifo", f"{name}-baked-items.fifo"
    bake, take_waiting, remove = f"{name}-bake", f"{name}-take-waiting", f"{name}-remove"
    reconcile = f"{name}-reconcile"
    machine = f"{name}-baking"

    common = {
        "POWERTOOLS_SERVICE_NAME": "oven",
        "POWERTOOLS_METRICS_NAMESPACE": "CloudPizzaPlace",
        "LOG_LEVEL": "INFO",
        "OVEN_TABLE": table,
    }
    return Stack(
        name="oven",
        tables=(
            Table(
                name=table,
                hash_key=Attribute(name="pk"),
                ttl_attribute="expires_at",
                # The capacity item belongs to the deployment; the functions only read it.
                seed_items=({"pk": "OVEN#CAPACITY", "capacity": capacity},),
            ),
        ),
        queues=(
            *_queue_pair(new_items, fifo=False, visibility_timeout=6 * FUNCTION_TIMEOUT, max_receive_count=5),
            # Not an event source: the baker takes its head when woken, and puts it back if it cannot start it.
            *_queue_pair(waiting, fifo=True, visibility_timeout=2 * FUNCTION_TIMEOUT, max_receive_count=10),
            *_queue_pair(wakeups, fifo=True, visibility_timeout=6 * FUNCTION_TIMEOUT, max_receive_count=5),
            *_queue_pair(baked_items, fifo=True, visibility_timeout=30, max_receive_count=5),
        ),
        functions=(
            Function(
                name=bake,
                handler="pizza_oven.handlers.bake.handler",
                timeout=FUNCTION_TIMEOUT,
                environment={
                    **common,
                    "WAITING_QUEUE_URL": f"${{queue.{waiting}.url}}",
                    "WAKEUPS_QUEUE_URL": f"${{queue.{wakeups}.url}}",
                    "NEW_ITEMS_DLQ_URL": f"${{queue.{new_items}-dlq.url}}",
                    "BAKE_STATE_MACHINE_ARN": f"${{state_machine.{machine}.arn}}",
                    "DEFAULT_BAKING_TIME_SECS": str(default_baking_time_secs),
                },
                event_sources=(SqsSource(queue=new_items, batch_size=10, maximum_concurrency=2),),
            ),
            Function(
                name=take_waiting,
                handler="pizza_oven.handlers.take_waiting.handler",
                timeout=FUNCTION_TIMEOUT,
                environment={
                    **common,
                    "WAITING_QUEUE_URL": f"${{queue.{waiting}.url}}",
                    "WAKEUPS_QUEUE_URL": f"${{queue.{wakeups}.url}}",
                    "BAKE_STATE_MACHINE_ARN": f"${{state_machine.{machine}.arn}}",
                },
                event_sources=(SqsSource(queue=wakeups, batch_size=10),),
            ),
            Function(
                name=remove,
                handler="pizza_oven.handlers.remove.handler",
                timeout=FUNCTION_TIMEOUT,
                environment={
                    **common,
                    "BAKED_ITEMS_QUEUE_URL": f"${{queue.{baked_items}.url}}",
                    "WAKEUPS_QUEUE_URL": f"${{queue.{wakeups}.url}}",
                    "WAITING_QUEUE_URL": f"${{queue.{waiting}.url}}",
                    "BAKE_STATE_MACHINE_ARN": f"${{state_machine.{machine}.arn}}",
                },
            ),
            Function(
                name=reconcile,
                handler="pizza_oven.handlers.reconcile.handler",
                timeout=FUNCTION_TIMEOUT,
                environment={
                    **common,
                    "WAITING_QUEUE_URL": f"${{queue.{waiting}.url}}",
                    "WAKEUPS_QUEUE_URL": f"${{queue.{wakeups}.url}}",
                    "BAKED_ITEMS_QUEUE_URL": f"${{queue.{baked_items}.url}}",
                    "NEW_ITEMS_DLQ_URL": f"${{queue.{new_items}-dlq.url}}",
                    "BAKE_STATE_MACHINE_ARN": f"${{state_machine.{machine}.arn}}",
                },
            ),
        ),
        rules=(
            Rule(
                name=f"{name}-reconcile",
                schedule_expression=reconcile_schedule,
                targets=(RuleTarget(kind="function", name=reconcile),),
            ),
        ),
        state_machines=(
            StateMachine(
                name=machine,
                definition_file=STATE_MACHINE_FILE,
                # partition: Terraform passes data.aws_partition's; the local cloud is the aws partition.
                substitutions={"partition": "aws", "remove_function_arn": f"${{function.{remove}.arn}}"},
            ),
        ),
        outputs={
            "new_items_queue_url": f"${{queue.{new_items}.url}}",
            "waiting_items_queue_url": f"${{queue.{waiting}.url}}",
            "baked_items_queue_url": f"${{queue.{baked_items}.url}}",
            "oven_table": table,
            "bake_state_machine_arn": f"${{state_machine.{machine}.arn}}",
            "new_items_dead_letter_queue_url": f"${{queue.{new_items}-dlq.url}}",
            "reconcile_function_name": reconcile,
        },
    )
