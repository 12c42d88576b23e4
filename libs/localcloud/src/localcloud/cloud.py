"""The local cloud: the emulator, every stack's resources, the function workers, the gateways and sources.

    with LocalCloud([stock_stack, oven_stack], state_dir=".localcloud") as cloud:
        cloud.endpoint          # http://127.0.0.1:PORT, what AWS_ENDPOINT_URL should be
        cloud.outputs["stock"]  # the stack's outputs, references resolved
        cloud.invoke("pizza-stock-ingest", {...})
        cloud.ttl_sweep(datetime(2030, 1, 1, tzinfo=UTC))

Resources are created through the emulator's HTTP API with boto3, as Terraform would create them, in an
order that lets references resolve: storage and queues (dead-letter queues first), function URLs (their URLs),
functions (their environments resolved), state machines (their templates rendered), then the event sources.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import logging
import os
import re
import threading
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from localcloud.contracts import InvokeResult, SourceContext, StartedSources
from localcloud.dynamodb_front import DEFAULT_TRANSACTION_HOLD_SECONDS, DynamoDBSettings
from localcloud.emulator import Emulator, Harshness, route_lambda_invocations
from localcloud.gateway import FunctionUrlGateway
from localcloud.runtime import DEFAULT_CONCURRENCY, FunctionRuntime, FunctionSpec
from localcloud.stack import REFERENCE, Queue, Stack, StateMachine, Table, table_arguments

__all__ = [
    "ACCOUNT",
    "DEFAULT_TTL_LAG_SECONDS",
    "DEFAULT_TTL_SWEEP_SECONDS",
    "LocalCloud",
    "StreamReadersWarning",
    "render_template",
]

ACCOUNT = "123456789012"  # moto's default account
# TTL as on AWS, late: an expired item stays readable until a sweep deletes it this long after its expiry
# (AWS: "typically within 48 hours"; long enough here that every test meets expired items still present).
DEFAULT_TTL_LAG_SECONDS = 30.0
DEFAULT_TTL_SWEEP_SECONDS = 5.0
# AWS throttles a DynamoDB stream shard read by more than two readers at once.
MAX_STREAM_READERS = 2
_FUNCTION_ROLE = "localcloud-function"
_STATE_MACHINE_ROLE = "localcloud-state-machine"
_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}

# Clouds running in this process: moto's backends are process-wide, so only the last one to stop resets them.
_active_lock = threading.Lock()
_active: list[LocalCloud] = []

_logger = logging.getLogger("localcloud")


class StreamReadersWarning(UserWarning):
    """A stack puts more than two readers on one DynamoDB stream (AWS throttles them)."""


_TEMPLATE = re.compile(r"\$\$\{|\$\{([^}]*)\}")


def render_template(text: str, variables: dict[str, str], *, source: str = "template") -> str:
    """Terraform's ``templatefile()`` for plain ``${name}`` interpolations (``$${`` stays a literal ``${``)."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        name = match.group(1).strip()
        if name not in variables:
            raise KeyError(f"{source}: ${{{name}}} has no value (substitutions: {sorted(variables)})")
        return variables[name]

    return _TEMPLATE.sub(substitute, text)


def _dummy_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "# localcloud runs the real handler in a worker process\n")
    return buffer.getvalue()


def _dynamodb_value(value: Any) -> Any:
    """Seed items are plain Python values; boto3 wants Decimal for numbers that are not int."""
    return json.loads(json.dumps(value), parse_float=Decimal)


class LocalCloud:
    """Runs stacks on moto with real function workers. Use as a context manager, or start()/stop()."""

    def __init__(
        self,
        stacks: Sequence[Stack],
        *,
        port: int = 0,
        region: str = "us-east-1",
        state_dir: Path | str = ".localcloud",
        chaos_duplicates: bool = False,
        concurrency: int = DEFAULT_CONCURRENCY,
        ttl_sweep_interval: float | None = DEFAULT_TTL_SWEEP_SECONDS,
        ttl_lag_seconds: float = DEFAULT_TTL_LAG_SECONDS,
        transaction_conflicts: bool = True,
        transaction_hold_seconds: float = DEFAULT_TRANSACTION_HOLD_SECONDS,
        chaos_throttle: float = 0.0,
        kms_etags: bool = True,
        start_sources: bool = True,
    ) -> None:
        if not 0.0 <= chaos_throttle < 0.5:
            raise ValueError(f"chaos_throttle is a share of requests, 0 to under 0.5 (got {chaos_throttle})")
        self.stacks = list(stacks)
        self.region = region
        self.account = ACCOUNT
        self.state_dir = Path(state_dir).resolve()
        self.chaos_duplicates = chaos_duplicates
        self.concurrency = concurrency
        self.ttl_sweep_interval = ttl_sweep_interval or None
        self.ttl_lag_seconds = ttl_lag_seconds
        self.transaction_conflicts = transaction_conflicts
        self.chaos_throttle = chaos_throttle
        self.kms_etags = kms_etags
        self.start_sources = start_sources
        # Conflicts and throttling start once the resources exist (creating and seeding them is the cloud's work).
        self._dynamodb_settings = DynamoDBSettings(
            transaction_conflicts=transaction_conflicts, transaction_hold_seconds=transaction_hold_seconds
        )
        self.emulator = Emulator(port, dynamodb=DynamoDBSettings(transaction_conflicts=False))
        self.runtime: FunctionRuntime | None = None
        # Function URLs by function name.
        self.gateways: dict[str, FunctionUrlGateway] = {}
        self.sources: StartedSources | None = None
        self.outputs: dict[str, dict[str, str]] = {}
        self.started_at: datetime | None = None
        self._queue_urls: dict[str, str] = {}
        self._table_streams: dict[str, str] = {}
        self._names: dict[str, set[str]] = {}
        self._exit = contextlib.ExitStack()
        self._stop_sweeper = threading.Event()
        self._sweeper: threading.Thread | None = None
        self._session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
        )

    # --- lifecycle -------------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        return self.emulator.endpoint

    @property
    def outputs_path(self) -> Path:
        return self.state_dir / "outputs.json"

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> LocalCloud:
        self._check_names()
        self._warn_about_stream_readers()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.emulator.start()
        with _active_lock:
            alone = not _active
            _active.append(self)
        try:
            if alone:
                self.emulator.reset()  # a cloud stopped earlier in this process may have left resources
            self.emulator.add_control("status", lambda _body: self.status())
            self.emulator.add_control("ttl-sweep", self._control_ttl_sweep)
            self.runtime = FunctionRuntime(
                endpoint=self.endpoint, region=self.region, account=self.account, log_dir=self.log_dir
            )
            self._create_resources()
            Harshness.kms_etags = self.kms_etags
            Harshness.express_twice = self.chaos_duplicates
            self.emulator.dynamodb_settings.transaction_conflicts = self._dynamodb_settings.transaction_conflicts
            self.emulator.dynamodb_settings.transaction_hold_seconds = self._dynamodb_settings.transaction_hold_seconds
            self.emulator.dynamodb_settings.throttle_rate = self.chaos_throttle
            self.emulator.kinesis_settings.throttle_rate = self.chaos_throttle
            self._start_sources()
            self.outputs = {
                stack.name: {**self.outputs.get(stack.name, {}), **self._resolve_outputs(stack)}
                for stack in self.stacks
            }
            self._write_outputs()
            if self.ttl_sweep_interval:
                self._sweeper = threading.Thread(target=self._sweep_forever, name="localcloud-ttl", daemon=True)
                self._sweeper.start()
            self.started_at = datetime.now(UTC)
        except BaseException:
            self.stop()
            raise
        # What starting made (moto's backends, botocore's models: about 400,000 objects) lives as long as the
        # process: leave it out of the collector's full scans, each of which stopped every thread of the cloud
        # (the gateway, the DynamoDB front) for 0.25 s and more (bench/README.md, "The collector's pauses").
        gc.collect()
        gc.freeze()
        return self

    def stop(self) -> None:
        self._stop_sweeper.set()
        if self._sweeper is not None:
            self._sweeper.join(timeout=10)
            self._sweeper = None
        if self.sources is not None:
            with contextlib.suppress(Exception):
                self.sources.stop()
            self.sources = None
        for gateway in self.gateways.values():
            gateway.stop()
        self.gateways = {}
        if self.runtime is not None:
            self.runtime.stop()
        self._exit.close()
        with _active_lock:
            last = _active == [self]
            if self in _active:
                _active.remove(self)
        if last and self.emulator.port:
            with contextlib.suppress(Exception):
                self.emulator.reset()  # give moto's memory back for the next cloud of this process
        if last:
            gc.unfreeze()  # what this cloud froze at its start can be collected again
        self.emulator.stop()

    # --- what tests and the CLI use --------------------------------------------------------------------

    def client(self, service: str) -> Any:
        """A boto3 client for this cloud."""
        return self._session.client(
            service, endpoint_url=self.endpoint, config=Config(retries={"mode": "standard", "max_attempts": 3})
        )

    def invoke(self, function: str, event: Any) -> InvokeResult:
        assert self.runtime is not None, "start the cloud first"
        return self.runtime.invoke(function, event)

    @property
    def invoker(self) -> FunctionRuntime:
        assert self.runtime is not None, "start the cloud first"
        return self.runtime

    def ttl_sweep(self, now: datetime | None = None) -> dict[str, int]:
        """Apply TTL as if the clock read ``now``: delete every expired item (REMOVE records carry TTL's identity).

        No lag here: the caller says when TTL comes. The background sweeper is the late one (``ttl_lag_seconds``).
        """
        return self.emulator.ttl_sweep(now)

    def function_url(self, function: str) -> str:
        """The base URL of a function's URL (``http://127.0.0.1:<port>/``)."""
        return self.gateways[function].url

    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "endpoint": self.endpoint,
            "region": self.region,
            "account": self.account,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "state_dir": str(self.state_dir),
            "outputs": str(self.outputs_path),
            "stacks": [stack.name for stack in self.stacks],
            "chaos_duplicates": self.chaos_duplicates,
            "ttl_sweep_interval": self.ttl_sweep_interval,
            "ttl_lag_seconds": self.ttl_lag_seconds,
            "transaction_conflicts": self.transaction_conflicts,
            "chaos_throttle": self.chaos_throttle,
            "kms_etags": self.kms_etags,
            "dynamodb": {
                "engine": self.emulator.engine.endpoint if self.emulator.engine else None,
                "engine_pid": self.emulator.engine.pid if self.emulator.engine else None,
                **vars(self.emulator.dynamodb.counters),
            },
            "function_urls": {name: gateway.url for name, gateway in self.gateways.items()},
            "functions": self.runtime.describe() if self.runtime else [],
            "sources": self.sources.describe() if self.sources is not None else [],
        }

    def _control_ttl_sweep(self, body: dict[str, Any]) -> dict[str, Any]:
        now = datetime.fromisoformat(body["now"]) if body.get("now") else datetime.now(UTC)
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        return {"now": now.isoformat(), "deleted": self.ttl_sweep(now)}

    def _sweep_forever(self) -> None:
        assert self.ttl_sweep_interval
        while not self._stop_sweeper.wait(self.ttl_sweep_interval):
            with contextlib.suppress(Exception):
                self.ttl_sweep(datetime.now(UTC) - timedelta(seconds=self.ttl_lag_seconds))

    def _warn_about_stream_readers(self) -> None:
        """AWS throttles a DynamoDB stream shard with more than two concurrent readers: say so at load."""
        readers: dict[str, list[str]] = {}
        for stack in self.stacks:
            for function in stack.functions:
                for source in function.event_sources:
                    table = getattr(source, "table", None)
                    if getattr(source, "kind", None) == "dynamodb" and table:
                        readers.setdefault(str(table), []).append(function.name)
        for table, functions in readers.items():
            if len(functions) > MAX_STREAM_READERS:
                message = (
                    f"table {table!r}: {len(functions)} functions read its stream ({', '.join(functions)}); AWS "
                    f"throttles more than {MAX_STREAM_READERS} readers per shard: fan out through one reader"
                )
                _logger.warning(message)
                warnings.warn(message, StreamReadersWarning, stacklevel=3)

    # --- references ------------------------------------------------------------------------------------

    def _check_names(self) -> None:
        kinds: dict[str, Callable[[Stack], Sequence[Any]]] = {
            "bucket": lambda s: s.buckets,
            "table": lambda s: s.tables,
            "stream": lambda s: s.streams,
            "queue": lambda s: s.queues,
            "topic": lambda s: s.topics,
            "bus": lambda s: s.event_buses,
            "function": lambda s: s.functions,
            "state_machine": lambda s: s.state_machines,
        }
        for kind, of in kinds.items():
            names: set[str] = set()
            for stack in self.stacks:
                for resource in of(stack):
                    if resource.name in names:
                        raise ValueError(f"two stacks declare the {kind} {resource.name!r}")
                    names.add(resource.name)
            self._names[kind] = names
        self._names["bus"].add("default")

    def resolve(self, text: str) -> str:
        """Expand every ``${kind.name.attribute}`` reference in ``text``."""
        return REFERENCE.sub(lambda match: self._attribute(*match.groups()), text)

    def _attribute(self, kind: str, name: str, attribute: str) -> str:
        reference = f"${{{kind}.{name}.{attribute}}}"
        if name not in self._names.get(kind, set()):
            raise LookupError(f"{reference}: no stack declares the {kind} {name!r}")
        r, a = self.region, self.account
        values: dict[str, dict[str, Callable[[], str]]] = {
            "bucket": {"name": lambda: name, "arn": lambda: f"arn:aws:s3:::{name}"},
            "table": {
                "name": lambda: name,
                "arn": lambda: f"arn:aws:dynamodb:{r}:{a}:table/{name}",
                "stream_arn": lambda: self._table_streams[name],
            },
            "stream": {"name": lambda: name, "arn": lambda: f"arn:aws:kinesis:{r}:{a}:stream/{name}"},
            "queue": {
                "name": lambda: name,
                "arn": lambda: f"arn:aws:sqs:{r}:{a}:{name}",
                "url": lambda: self._queue_urls[name],
            },
            "topic": {"name": lambda: name, "arn": lambda: f"arn:aws:sns:{r}:{a}:{name}"},
            "bus": {"name": lambda: name, "arn": lambda: f"arn:aws:events:{r}:{a}:event-bus/{name}"},
            "function": {
                "name": lambda: name,
                "arn": lambda: f"arn:aws:lambda:{r}:{a}:function:{name}",
                "url": lambda: self.gateways[name].url,
            },
            "state_machine": {"name": lambda: name, "arn": lambda: f"arn:aws:states:{r}:{a}:stateMachine:{name}"},
        }
        getter = values[kind].get(attribute)
        if getter is None:
            raise LookupError(f"{reference}: a {kind} has no attribute {attribute!r} (has: {sorted(values[kind])})")
        try:
            return getter()
        except KeyError:
            raise LookupError(f"{reference}: not known yet (the {kind} has no {attribute})") from None

    def _resolve_outputs(self, stack: Stack) -> dict[str, str]:
        return {name: self.resolve(value) for name, value in stack.outputs.items()}

    def _write_outputs(self) -> None:
        document = {"endpoint": self.endpoint, "region": self.region, "services": self.outputs}
        temporary = self.outputs_path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        temporary.replace(self.outputs_path)

    # --- resources -------------------------------------------------------------------------------------

    def _create_resources(self) -> None:
        s3, sqs, kinesis, events = (self.client(n) for n in ("s3", "sqs", "kinesis", "events"))
        for stack in self.stacks:
            for bucket in stack.buckets:
                s3.create_bucket(Bucket=bucket.name)
                if bucket.sse_algorithm != "AES256":
                    s3.put_bucket_encryption(
                        Bucket=bucket.name,
                        ServerSideEncryptionConfiguration={
                            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": bucket.sse_algorithm}}]
                        },
                    )
            for table in stack.tables:
                self._create_table(table)
            for stream in stack.streams:
                kinesis.create_stream(StreamName=stream.name, ShardCount=stream.shard_count)
                if stream.retention_hours > 24:
                    kinesis.increase_stream_retention_period(
                        StreamName=stream.name, RetentionPeriodHours=stream.retention_hours
                    )
            for bus in stack.event_buses:
                if bus.name != "default":
                    events.create_event_bus(Name=bus.name)
            for topic in stack.topics:
                self.client("sns").create_topic(Name=topic.name)
        for queue in self._queues_dead_letters_first():
            self._create_queue(sqs, queue)
        for stack in self.stacks:
            for function in stack.functions:
                if function.url is not None:
                    gateway = FunctionUrlGateway(
                        function.name, function.url, self.invoker, region=self.region, account=self.account
                    )
                    gateway.start()
                    self.gateways[function.name] = gateway
        self._create_functions()
        for stack in self.stacks:
            for machine in stack.state_machines:
                self._create_state_machine(machine)

    def _create_table(self, table: Table) -> None:
        dynamodb = self.client("dynamodb")
        description = dynamodb.create_table(**table_arguments(table))["TableDescription"]
        if table.stream_view is not None:
            self._table_streams[table.name] = description["LatestStreamArn"]
        if table.ttl_attribute is not None:
            dynamodb.update_time_to_live(
                TableName=table.name, TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute}
            )
        if table.seed_items:
            resource = self._session.resource("dynamodb", endpoint_url=self.endpoint)
            handle = resource.Table(table.name)
            for item in table.seed_items:
                handle.put_item(Item=_dynamodb_value(item))

    def _queues_dead_letters_first(self) -> list[Queue]:
        queues = {queue.name: queue for stack in self.stacks for queue in stack.queues}
        ordered: list[Queue] = []
        visiting: set[str] = set()

        def visit(queue: Queue) -> None:
            if queue in ordered:
                return
            if queue.name in visiting:
                raise ValueError(f"queue {queue.name!r}: its dead-letter queues form a cycle")
            visiting.add(queue.name)
            if queue.dead_letter_queue is not None:
                if queue.dead_letter_queue not in queues:
                    raise LookupError(f"queue {queue.name!r}: no stack declares its DLQ {queue.dead_letter_queue!r}")
                visit(queues[queue.dead_letter_queue])
            ordered.append(queue)

        for queue in queues.values():
            visit(queue)
        return ordered

    def _create_queue(self, sqs: Any, queue: Queue) -> None:
        attributes = {
            "VisibilityTimeout": str(queue.visibility_timeout),
            "DelaySeconds": str(queue.delay_seconds),
            "MessageRetentionPeriod": str(queue.message_retention_seconds),
        }
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
        self._queue_urls[queue.name] = sqs.create_queue(QueueName=queue.name, Attributes=attributes)["QueueUrl"]

    def _create_functions(self) -> None:
        assert self.runtime is not None
        iam, awslambda = self.client("iam"), self.client("lambda")
        try:
            role = iam.create_role(RoleName=_FUNCTION_ROLE, AssumeRolePolicyDocument=json.dumps(_TRUST))["Role"]["Arn"]
        except iam.exceptions.EntityAlreadyExistsException:  # another cloud of this process made it
            role = iam.get_role(RoleName=_FUNCTION_ROLE)["Role"]["Arn"]
        code = _dummy_zip()
        names: set[str] = set()
        for stack in self.stacks:
            for function in stack.functions:
                environment = {key: self.resolve(value) for key, value in function.environment.items()}
                concurrency = function.reserved_concurrency or self.concurrency
                self.runtime.add(
                    FunctionSpec(
                        name=function.name,
                        handler=function.handler,
                        environment=environment,
                        timeout=function.timeout,
                        memory_size=function.memory_size,
                        concurrency=max(1, concurrency),
                        code_paths=tuple(str(Path(path).resolve()) for path in function.code_paths),
                    )
                )
                # The function also exists in moto, so its ARN answers and lambda:invoke reaches the hook.
                awslambda.create_function(
                    FunctionName=function.name,
                    Runtime="python3.12",
                    Role=role,
                    Handler=function.handler,
                    Code={"ZipFile": code},
                    Timeout=function.timeout,
                    MemorySize=function.memory_size,
                    Environment={"Variables": environment},
                )
                names.add(function.name)
        self._exit.enter_context(route_lambda_invocations(self, self.runtime, names))

    def _create_state_machine(self, machine: StateMachine) -> None:
        path = Path(machine.definition_file)
        variables = {name: self.resolve(value) for name, value in machine.substitutions.items()}
        definition = render_template(path.read_text(encoding="utf-8"), variables, source=str(path))
        json.loads(definition)  # a template that renders to broken JSON fails here, with the file's name
        self.client("stepfunctions").create_state_machine(
            name=machine.name,
            definition=definition,
            roleArn=f"arn:aws:iam::{self.account}:role/{_STATE_MACHINE_ROLE}",
            type=machine.type,
        )

    # --- event sources ---------------------------------------------------------------------------------

    def _start_sources(self) -> None:
        if not self.start_sources:
            return
        start = _sources_start()
        if start is None:
            return
        context = SourceContext(
            endpoint=self.endpoint,
            region=self.region,
            account=self.account,
            stacks=tuple(self.stacks),
            invoker=self.invoker,
            resolve=self.resolve,
            chaos_duplicates=self.chaos_duplicates,
        )
        self.sources = start(context)


def _sources_start() -> Callable[[SourceContext], StartedSources] | None:
    """``localcloud.sources.start``, or None while that package is not there yet."""
    try:
        from localcloud import sources
    except ModuleNotFoundError as error:
        if error.name in ("localcloud.sources",):
            return None
        raise
    return getattr(sources, "start", None)


@contextlib.contextmanager
def running(stacks: Sequence[Stack], **options: Any) -> Iterator[LocalCloud]:
    """A :class:`LocalCloud` for the duration of a ``with`` block."""
    cloud = LocalCloud(stacks, **options)
    cloud.start()
    try:
        yield cloud
    finally:
        cloud.stop()
