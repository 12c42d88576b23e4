"""The composition root: each function's ports, built once per cold start from its settings.

A frozen dataclass per function, typed with the ports' Protocols, so mypy holds every adapter to its port
(a method missing or with another signature fails ``make test-lint``). Handlers call ``bake_ports()`` and
friends; tests build the dataclasses from fakes instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pizza_common.aws import client
from pizza_common.settings import load
from pizza_oven.adapters.bell import SqsBell
from pizza_oven.adapters.ledger import DynamoDbLedger
from pizza_oven.adapters.rejects import SqsRejects
from pizza_oven.adapters.shelf import SqsShelf
from pizza_oven.adapters.snooze import SqsSnooze
from pizza_oven.adapters.timer import StepFunctionsTimer
from pizza_oven.adapters.waiting_line import SqsLineHead, SqsWaitingLine
from pizza_oven.ports import BakeTimer, Bell, Ledger, LineHead, Rejects, Shelf, Snooze, WaitingLine
from pizza_oven.settings import BakeSettings, ReconcileSettings, RemoveSettings, TakeWaitingSettings

__all__ = [
    "BakePorts",
    "ReconcilePorts",
    "RemovePorts",
    "TakeWaitingPorts",
    "bake_ports",
    "clear",
    "reconcile_ports",
    "remove_ports",
    "take_waiting_ports",
]


@dataclass(frozen=True)
class BakePorts:
    """``pizza-oven-bake``: accepts pizzas from NewItems."""

    settings: BakeSettings
    ledger: Ledger
    line: WaitingLine
    timer: BakeTimer
    bell: Bell
    rejects: Rejects


@dataclass(frozen=True)
class TakeWaitingPorts:
    """``pizza-oven-take-waiting``: the baker."""

    settings: TakeWaitingSettings
    ledger: Ledger
    line: LineHead
    timer: BakeTimer
    bell: Bell
    snooze: Snooze


@dataclass(frozen=True)
class RemovePorts:
    """``pizza-oven-remove``: the baking state machine's last step."""

    settings: RemoveSettings
    ledger: Ledger
    line: LineHead
    timer: BakeTimer
    shelf: Shelf
    bell: Bell


@dataclass(frozen=True)
class ReconcilePorts:
    """``pizza-oven-reconcile``: repairs what crashes and failed executions left, on a schedule."""

    settings: ReconcileSettings
    ledger: Ledger
    timer: BakeTimer
    line: LineHead
    waiting_line: WaitingLine
    shelf: Shelf
    bell: Bell
    rejects: Rejects


@cache
def bake_ports() -> BakePorts:
    settings = load(BakeSettings)
    return BakePorts(
        settings=settings,
        ledger=DynamoDbLedger(settings.oven_table, client("dynamodb")),
        line=SqsWaitingLine(settings.waiting_queue_url, client("sqs")),
        timer=StepFunctionsTimer(settings.bake_state_machine_arn, client("stepfunctions")),
        bell=SqsBell(settings.wakeups_queue_url, client("sqs")),
        rejects=SqsRejects(settings.new_items_dlq_url, client("sqs")),
    )


@cache
def take_waiting_ports() -> TakeWaitingPorts:
    settings = load(TakeWaitingSettings)
    return TakeWaitingPorts(
        settings=settings,
        ledger=DynamoDbLedger(settings.oven_table, client("dynamodb")),
        line=SqsLineHead(settings.waiting_queue_url, client("sqs")),
        timer=StepFunctionsTimer(settings.bake_state_machine_arn, client("stepfunctions")),
        bell=SqsBell(settings.wakeups_queue_url, client("sqs")),
        snooze=SqsSnooze(settings.wakeups_queue_url, client("sqs")),
    )


@cache
def remove_ports() -> RemovePorts:
    settings = load(RemoveSettings)
    return RemovePorts(
        settings=settings,
        ledger=DynamoDbLedger(settings.oven_table, client("dynamodb")),
        # A removal looks at the head of the line; while another taker holds it, it waits with a long poll
        # (SQS's shortest, 1 s), which answers as soon as the head is free.
        line=SqsLineHead(settings.waiting_queue_url, client("sqs"), receive_wait_seconds=1),
        timer=StepFunctionsTimer(settings.bake_state_machine_arn, client("stepfunctions")),
        shelf=SqsShelf(settings.baked_items_queue_url, client("sqs")),
        bell=SqsBell(settings.wakeups_queue_url, client("sqs")),
    )


@cache
def reconcile_ports() -> ReconcilePorts:
    settings = load(ReconcileSettings)
    return ReconcilePorts(
        settings=settings,
        ledger=DynamoDbLedger(settings.oven_table, client("dynamodb")),
        timer=StepFunctionsTimer(settings.bake_state_machine_arn, client("stepfunctions")),
        line=SqsLineHead(settings.waiting_queue_url, client("sqs"), receive_wait_seconds=0),
        waiting_line=SqsWaitingLine(settings.waiting_queue_url, client("sqs")),
        shelf=SqsShelf(settings.baked_items_queue_url, client("sqs")),
        bell=SqsBell(settings.wakeups_queue_url, client("sqs")),
        rejects=SqsRejects(settings.new_items_dlq_url, client("sqs")),
    )


def clear() -> None:
    """Forget every built composition (tests change the environment between cases)."""
    for built in (bake_ports, take_waiting_ports, remove_ports, reconcile_ports):
        built.cache_clear()
