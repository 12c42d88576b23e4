"""What every event source shares: emulator clients, poller threads, a stop signal, batch responses, chaos."""

from __future__ import annotations

import http.client
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import urlsplit

import boto3
from botocore.config import Config

from localcloud.contracts import InvokeResult, SourceContext
from localcloud.stack import Function, Queue, Stack

logger = logging.getLogger("localcloud.sources")

T = TypeVar("T")

# Waits are short so that stop() never hangs: a long poll returns within this many seconds.
LONG_POLL_SECONDS = 1
# How often an idle shard is read: 4 times a second (Lambda's rate for DynamoDB streams), and once a second
# after a quiet minute, which spares the two cores of a laptop when a cloud idles for hours.
SHARD_POLL_SECONDS = 0.25
QUIET_SHARD_POLL_SECONDS = 1.0
QUIET_AFTER_SECONDS = 60.0


class Clients:
    """boto3 clients for the emulator, made once and shared by every poller (botocore clients are thread-safe)."""

    def __init__(self, context: SourceContext) -> None:
        self._context = context
        self._lock = threading.Lock()
        self._clients: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = boto3.session.Session().client(
                    service,
                    endpoint_url=self._context.endpoint,
                    region_name=self._context.region,
                    aws_access_key_id="test",
                    aws_secret_access_key="test",
                    config=Config(
                        retries={"max_attempts": 3, "mode": "standard"},
                        max_pool_connections=64,
                        connect_timeout=5,
                        read_timeout=LONG_POLL_SECONDS + 30,
                    ),
                )
            return self._clients[service]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.code = code


class JsonApi:
    """Plain JSON calls to the emulator (one keep-alive connection per thread).

    Stream records are read this way, not through boto3, so they arrive as the service sends them and as
    Lambda passes them on: binary values stay base64 text, timestamps stay numbers, and fields boto3 does
    not know (the TTL ``userIdentity`` the local cloud adds to REMOVE records) are kept.
    """

    _VERSIONS = {"dynamodb": ("DynamoDBStreams_20120810", "1.0"), "kinesis": ("Kinesis_20131202", "1.1")}

    def __init__(self, endpoint: str, region: str) -> None:
        address = urlsplit(endpoint)
        self._host = address.hostname or "127.0.0.1"
        self._port = address.port or 80
        self._region = region
        self._local = threading.local()

    def call(self, service: Literal["dynamodb", "kinesis"], operation: str, body: dict[str, Any]) -> dict[str, Any]:
        prefix, json_version = self._VERSIONS[service]
        headers = {
            "Content-Type": f"application/x-amz-json-{json_version}",
            "X-Amz-Target": f"{prefix}.{operation}",
            # moto reads the region (and the service) from the credential scope; the signature is not checked.
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential=test/20260101/{self._region}/{service}/aws4_request, "
                "SignedHeaders=host, Signature=0"
            ),
        }
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = http.client.HTTPConnection(self._host, self._port, timeout=30)
        try:
            connection.request("POST", "/", body=json.dumps(body), headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            self._local.connection = None
            raise
        answer = json.loads(data) if data else {}
        if response.status >= 400:
            code = str(answer.get("__type", response.status)).rsplit("#", 1)[-1]
            raise ApiError(response.status, code, str(answer.get("message", answer.get("Message", data[:200]))))
        return dict(answer)


@dataclass
class Runtime:
    """Handed to every source: the context, the clients and the one stop signal."""

    context: SourceContext
    clients: Clients
    api: JsonApi
    stopping: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def spawn(self, name: str, loop: Callable[[], None]) -> None:
        """Run ``loop`` repeatedly on a daemon thread until stop; an exception is logged and retried shortly."""

        def run() -> None:
            while not self.stopping.is_set():
                try:
                    loop()
                except Exception:
                    if self.stopping.is_set():
                        return
                    logger.exception("event source %s failed; retrying", name)
                    self.stopping.wait(0.5)

        thread = threading.Thread(target=run, name=f"localcloud-{name}", daemon=True)
        self.threads.append(thread)
        thread.start()

    def invoke(self, function: str, event: Any) -> InvokeResult:
        """Invoke through the function runtime; a runtime that cannot answer is an error result, never a crash."""
        started = time.monotonic()
        try:
            return self.context.invoker.invoke(function, event)
        except Exception as error:
            logger.warning("invoking %s failed in the runtime: %s", function, error)
            return InvokeResult(
                function=function,
                ok=False,
                payload={"errorMessage": str(error), "errorType": type(error).__name__},
                duration_ms=(time.monotonic() - started) * 1000,
            )

    # --- lookups in the stacks ------------------------------------------------------------------------

    def function(self, name: str) -> Function:
        for stack in self.context.stacks:
            for function in stack.functions:
                if function.name == name:
                    return function
        raise KeyError(f"no stack has a function {name!r}")

    def queue(self, name: str) -> Queue | None:
        for stack in self.context.stacks:
            for declared in stack.queues:
                if declared.name == name:
                    return declared
        return None

    def function_arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.context.region}:{self.context.account}:function:{name}"

    def queue_arn(self, name: str) -> str:
        return f"arn:aws:sqs:{self.context.region}:{self.context.account}:{name}"

    def queue_url(self, name: str) -> str:
        return str(self.clients("sqs").get_queue_url(QueueName=name)["QueueUrl"])

    @property
    def stacks(self) -> Sequence[Stack]:
        return self.context.stacks


class Dispatcher(Generic[T]):
    """One receiver thread feeding ``workers`` threads, for a queue read by several pollers at once.

    moto's ReceiveMessage has no lock: two receives at once can both take one message (or one FIFO group).
    So one thread receives, and only while a worker is free, so that nothing waits, received, for a worker
    while its visibility timeout runs. ``receive`` returns one unit of work (a batch), or None.
    """

    def __init__(
        self, runtime: Runtime, name: str, workers: int, receive: Callable[[], T | None], handle: Callable[[T], None]
    ) -> None:
        self.runtime = runtime
        self.name = name
        self.workers = workers
        self._receive = receive
        self._handle = handle
        self._free = threading.Semaphore(workers)
        self._work: queue.Queue[T] = queue.Queue()

    def start(self) -> None:
        self.runtime.spawn(f"{self.name}-receiver", self._receive_once)
        for number in range(self.workers):
            self.runtime.spawn(f"{self.name}-{number}", self._handle_next)

    def _receive_once(self) -> None:
        if not self._free.acquire(timeout=LONG_POLL_SECONDS):
            return
        try:
            work = self._receive()
        except BaseException:
            self._free.release()
            raise
        if work is None:
            self._free.release()
        else:
            self._work.put(work)

    def _handle_next(self) -> None:
        try:
            work = self._work.get(timeout=LONG_POLL_SECONDS)
        except queue.Empty:
            return
        try:
            self._handle(work)
        finally:
            self._free.release()


# --- batch responses -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchOutcome:
    """What a batch invocation means for its records."""

    kind: Literal["success", "partial", "error"]
    failed: frozenset[str] = frozenset()  # identifiers of the failed records (all of them on an error)
    function_error: str | None = None  # Lambda's FunctionError ("Unhandled") when the handler raised or timed out

    @property
    def succeeded(self) -> bool:
        return self.kind == "success"


def interpret(result: InvokeResult, identifiers: Sequence[str], report_batch_item_failures: bool) -> BatchOutcome:
    """Read a batch invocation's result as Lambda does.

    An error result fails the whole batch. With ReportBatchItemFailures, ``batchItemFailures`` names the
    records that failed; an empty or missing list is a success, and a malformed list (an item without an
    ``itemIdentifier``, an empty one, or one not in the batch) fails the whole batch.
    """
    everything = frozenset(identifiers)
    if not result.ok:
        return BatchOutcome("error", everything, function_error="Unhandled")
    if not report_batch_item_failures or not isinstance(result.payload, dict):
        return BatchOutcome("success")
    failures = result.payload.get("batchItemFailures")
    if not failures:
        return BatchOutcome("success")
    failed: set[str] = set()
    for failure in failures if isinstance(failures, list) else [None]:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in everything:
            logger.warning("%s: invalid batchItemFailures entry %r fails the whole batch", result.function, failure)
            return BatchOutcome("error", everything)
        failed.add(identifier)
    return BatchOutcome("partial", frozenset(failed))


# --- chaos -----------------------------------------------------------------------------------------------


def resplit(records: Sequence[T]) -> list[list[T]]:
    """A different split of a delivered batch, in the same order: its two halves (a single record alone again)."""
    if len(records) <= 1:
        return [list(records)]
    middle = (len(records) + 1) // 2
    return [list(records[:middle]), list(records[middle:])]


def chunks(items: Sequence[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
