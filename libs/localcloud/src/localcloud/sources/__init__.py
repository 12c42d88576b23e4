"""Event sources: what makes the functions of a stack run when something happens, as on Lambda.

``start(context)`` wires, for every stack: bucket notifications (:mod:`.s3`), queue sources (:mod:`.sqs`),
DynamoDB and Kinesis stream sources (:mod:`.streams`), EventBridge rules and schedules (:mod:`.rules`).
The orchestrator calls it once the resources exist; ``stop()`` on the result ends every poller.

Chaos (``context.chaos_duplicates``): every batch a function completes is delivered again before it is
deleted or checkpointed, split differently (its two halves, in order; a single record once more), and
every asynchronous event (S3, rules) is delivered twice. So every record reaches its function at least
twice, order within a shard or a message group holds, and nothing is lost.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any, Protocol

from localcloud.contracts import SourceContext
from localcloud.sources._runtime import Clients, JsonApi, Runtime, logger
from localcloud.sources.rules import RuleSource
from localcloud.sources.s3 import BucketNotifications
from localcloud.sources.sqs import QueueSource
from localcloud.sources.streams import StreamSourceRunner
from localcloud.stack import SqsSource

__all__ = ["RunningSources", "start"]

STOP_JOIN_SECONDS = 5.0


class _Source(Protocol):
    def start(self) -> None: ...


class RunningSources:
    """Every event source of the stacks, running. Satisfies ``localcloud.contracts.StartedSources``."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._lines: list[str] = []
        self.rules: dict[str, RuleSource] = {}
        self._stopped = threading.Event()

    def _add(self, source: _Source, describe: Any) -> None:
        source.start()
        lines = describe()
        self._lines.extend([lines] if isinstance(lines, str) else lines)

    def describe(self) -> list[str]:
        return list(self._lines)

    def fire_schedule(self, rule: str, at: datetime | None = None) -> dict[str, Any]:
        """Fire a scheduled rule now, as if the clock read ``at``; returns the event sent to its targets."""
        source = self.rules.get(rule)
        if source is None or source.schedule is None:
            scheduled = sorted(name for name, known in self.rules.items() if known.schedule is not None)
            raise KeyError(f"no scheduled rule {rule!r}; scheduled rules: {scheduled}")
        return source.fire(at)

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._runtime.stopping.set()
        # Pollers wake at once; a thread still inside an invocation is a daemon and is left to finish it.
        deadline = time.monotonic() + STOP_JOIN_SECONDS
        for thread in self._runtime.threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                logger.info("event source thread %s still busy at stop", thread.name)


def start(context: SourceContext) -> RunningSources:
    """Wire every event source of ``context.stacks`` to its function and start polling."""
    runtime = Runtime(context, Clients(context), JsonApi(context.endpoint, context.region))
    running = RunningSources(runtime)
    try:
        for stack in context.stacks:
            for bucket in stack.buckets:
                if bucket.notifications:
                    notifications = BucketNotifications(runtime, bucket)
                    running._add(notifications, notifications.describe)
            for function in stack.functions:
                for source in function.event_sources:
                    runner: QueueSource | StreamSourceRunner
                    if isinstance(source, SqsSource):
                        runner = QueueSource(runtime, function, source)
                    else:
                        runner = StreamSourceRunner(runtime, function, source)
                    running._add(runner, runner.describe)
            for rule in stack.rules:
                rule_source = RuleSource(runtime, rule)
                running.rules[rule.name] = rule_source
                running._add(rule_source, rule_source.describe)
    except BaseException:
        running.stop()
        raise
    return running
