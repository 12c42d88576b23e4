"""EventBridge rules and schedules.

Every rule is created in moto on its bus. Queue targets are moto's own: it matches the pattern, applies the
input transformer and sends to the queue (FIFO with the target's MessageGroupId). moto's PutEvents fails
(500) when a rule has a function or state machine target, so such a target becomes an internal queue in
moto (same pattern, same input transformer) that localcloud reads, invoking the function asynchronously
(2 retries) or starting an execution of the state machine (a new unique name each time).

Scheduled rules are created in moto without targets (moto would match every event to a rule without a
pattern), and localcloud fires them on its own clock: the event is the one EventBridge sends (source
``aws.events``, detail-type ``Scheduled Event``), sent to queue targets directly and to function and state
machine targets through their internal queues, with the same retries.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from localcloud.sources._async import AsyncQueue, create_internal_queue, internal_queue_name
from localcloud.sources._runtime import Runtime, logger
from localcloud.sources.schedules import parse
from localcloud.stack import InputTransformer, Rule, RuleTarget

STATE_MACHINE_DELIVERY_SECONDS = 60


class RuleSource:
    def __init__(self, runtime: Runtime, rule: Rule) -> None:
        self.runtime = runtime
        self.rule = rule
        self.schedule = parse(rule.schedule_expression) if rule.schedule_expression else None
        events = runtime.clients("events")
        if rule.event_pattern is not None:
            created = events.put_rule(
                Name=rule.name,
                EventBusName=rule.event_bus,
                EventPattern=json.dumps(rule.event_pattern),
                State="ENABLED" if rule.enabled else "DISABLED",
            )
        else:
            created = events.put_rule(
                Name=rule.name,
                EventBusName=rule.event_bus,
                ScheduleExpression=rule.schedule_expression,
                State="ENABLED" if rule.enabled else "DISABLED",
            )
        self.arn = str(created["RuleArn"])
        self.deliveries: list[AsyncQueue] = []
        self._internal_urls: dict[int, str] = {}  # target index -> internal queue URL
        moto_targets = []
        for index, target in enumerate(rule.targets):
            target_id = re.sub(r"[^A-Za-z0-9._-]", "-", f"{index}-{target.kind}-{target.name}")[:64]
            arn = runtime.queue_arn(target.name) if target.kind == "queue" else self._internal_queue(index, target)
            moto_targets.append(_moto_target(target_id, arn, target))
        if moto_targets and self.schedule is None:
            failed = events.put_targets(Rule=rule.name, EventBusName=rule.event_bus, Targets=moto_targets)
            if failed.get("FailedEntryCount"):
                raise RuntimeError(f"rule {rule.name!r}: moto refused targets {failed['FailedEntries']}")
        self.started = datetime.now(UTC)  # rate() counts its periods from here
        self._last_due: datetime | None = None
        self._fire_lock = threading.Lock()

    def start(self) -> None:
        for delivery in self.deliveries:
            delivery.start()
        if self.schedule is not None and self.rule.enabled:
            self.runtime.spawn(f"schedule-{self.rule.name}", self._wait_and_fire)

    def describe(self) -> str:
        targets = ", ".join(f"{target.kind} {target.name}" for target in self.rule.targets)
        trigger = self.rule.schedule_expression if self.schedule else f"pattern on bus {self.rule.event_bus}"
        return f"rule {self.rule.name} ({trigger}) -> {targets}"

    # --- schedules ---------------------------------------------------------------------------------------

    def _wait_and_fire(self) -> None:
        """Fire when the next time is due; the time is worked out again each second, from ``started``."""
        assert self.schedule is not None
        due = self.schedule.next_after(self.started, self._last_due or self.started)
        remaining = (due - datetime.now(UTC)).total_seconds()
        if remaining > 0:
            self.runtime.stopping.wait(min(remaining, 1.0))
            return
        self._last_due = due
        self.fire(due)

    def fire(self, at: datetime | None = None) -> dict[str, Any]:
        """Send this scheduled rule's event to its targets now (as if the clock read ``at``); returns the event."""
        at = at or datetime.now(UTC)
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self.runtime.context.account,
            "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.runtime.context.region,
            "resources": [self.arn],
            "detail": {},
        }
        sqs = self.runtime.clients("sqs")
        with self._fire_lock:
            for index, target in enumerate(self.rule.targets):
                body = transform(target.input_transformer, event, self.arn, self.rule.name)
                if target.kind != "queue":
                    sqs.send_message(QueueUrl=self._internal_urls[index], MessageBody=body)
                    continue
                message: dict[str, Any] = {"QueueUrl": self.runtime.queue_url(target.name), "MessageBody": body}
                if target.name.endswith(".fifo"):
                    message["MessageGroupId"] = target.message_group_id or self.rule.name
                    message["MessageDeduplicationId"] = event["id"]
                sqs.send_message(**message)
        logger.info("schedule %s fired at %s", self.rule.name, event["time"])
        return event

    # --- function and state machine targets --------------------------------------------------------------

    def _internal_queue(self, index: int, target: RuleTarget) -> str:
        name = internal_queue_name("rule", self.rule.name, str(index), target.name)
        if target.kind == "function":
            visibility = self.runtime.function(target.name).timeout + 10
            deliver = self._invoke_function(target)
        else:
            visibility = STATE_MACHINE_DELIVERY_SECONDS
            deliver = self._start_execution(target)
        url, arn = create_internal_queue(self.runtime, name, visibility)
        self._internal_urls[index] = url
        self.deliveries.append(
            AsyncQueue(
                self.runtime, f"rule-{self.rule.name}-{target.name}", url, unpack=self._unpack(target), deliver=deliver
            )
        )
        return arn

    def _unpack(self, target: RuleTarget) -> Any:
        account = self.runtime.context.account

        def unpack(body: str) -> list[Any]:
            try:
                event = json.loads(body)
            except ValueError:
                return [body]  # an input template that is not JSON: delivered as the text it made
            # moto's default template leaves out the account; EventBridge sends it.
            if target.input_transformer is None and isinstance(event, dict) and "detail-type" in event:
                event.setdefault("account", account)
            return [event]

        return unpack

    def _invoke_function(self, target: RuleTarget) -> Any:
        return lambda event: self.runtime.invoke(target.name, event).ok

    def _start_execution(self, target: RuleTarget) -> Any:
        context = self.runtime.context
        machine_arn = f"arn:aws:states:{context.region}:{context.account}:stateMachine:{target.name}"

        def start(event: Any) -> bool:
            try:
                self.runtime.clients("stepfunctions").start_execution(
                    stateMachineArn=machine_arn,
                    name=f"{self.rule.name[:40]}-{uuid.uuid4().hex}",
                    input=event if isinstance(event, str) else json.dumps(event),
                )
            except ClientError as error:
                logger.warning("rule %s could not start %s: %s", self.rule.name, target.name, error)
                return False
            return True

        return start


def _moto_target(target_id: str, arn: str, target: RuleTarget) -> dict[str, Any]:
    moto_target: dict[str, Any] = {"Id": target_id, "Arn": arn}
    if target.input_transformer is not None:
        moto_target["InputTransformer"] = {
            "InputPathsMap": dict(target.input_transformer.input_paths),
            "InputTemplate": target.input_transformer.input_template,
        }
    if target.kind == "queue" and target.message_group_id:
        moto_target["SqsParameters"] = {"MessageGroupId": target.message_group_id}
    return moto_target


def transform(transformer: InputTransformer | None, event: dict[str, Any], rule_arn: str, rule_name: str) -> str:
    """The text a target receives: the whole event, or the input template with its paths filled in."""
    if transformer is None:
        return json.dumps(event)
    text = transformer.input_template
    for name, path in transformer.input_paths.items():
        value = _json_path(event, path)
        text = text.replace(f"<{name}>", value if isinstance(value, str) else json.dumps(value))
    predefined = {
        "aws.events.rule-arn": rule_arn,
        "aws.events.rule-name": rule_name,
        "aws.events.event.json": json.dumps(event),
        "aws.events.event.ingestion-time": event["time"],
    }
    for name, value in predefined.items():
        text = text.replace(f"<{name}>", value)
    return text


def _json_path(event: Any, path: str) -> Any:
    """The value at a simple JSONPath (``$.detail.items[0].id``); None when it is absent."""
    if not path.startswith("$"):
        raise ValueError(f"an input path starts with $: {path!r}")
    value = event
    for key, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path[1:]):
        if key:
            value = value.get(key) if isinstance(value, dict) else None
        else:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
        if value is None:
            return None
    return value
