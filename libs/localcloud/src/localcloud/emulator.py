"""moto's server in this process, with DynamoDB Local behind it, made fit for the local cloud.

What this adds to a plain ``ThreadedMotoServer``:

* DynamoDB and DynamoDB Streams are AWS's own DynamoDB Local (a child JVM on 127.0.0.1, see
  :mod:`localcloud.dynamodb_local`), behind the same port: requests whose ``X-Amz-Target`` is DynamoDB's go
  through :class:`~localcloud.dynamodb_front.DynamoDBFront` (ARNs, TTL, tagging, transaction conflicts,
  throttling chaos) instead of moto. moto's own DynamoDB was wrong under concurrency (lost updates, HTTP 500s
  in transactions) and ignored ``ClientRequestToken``; see docs/decisions.md (2026-11-27).
* moto's Step Functions interpreter is switched on, with ``MOTO_PORT`` set to the real port first (the
  interpreter calls back to ``http://localhost:$MOTO_PORT``). Express executions are not deduplicated by
  name (moto dedups them; AWS runs them at least once), and under chaos each runs twice.
* moto's Lambda invocations (``lambda:Invoke``, Step Functions ``lambda:invoke`` tasks) are routed to the
  local function workers instead of moto's Docker runner.
* Kinesis puts are throttled under the throttling chaos switch, and ``PutRecords`` answers in part
  (:mod:`localcloud.kinesis_front`); moto never refuses a record.
* An SSE-KMS object's ETag is not the MD5 of its content (as on S3): a random value per write.
* SQS FIFO: while a message group has a message in flight, no receiver gets any of that group, also when
  receivers ask at the same moment (moto chose messages with no lock, so two receivers could each get one);
  messages of a group that time out together come back oldest first (moto gave the last one first); a
  message's SentTimestamp and place in the queue agree, and its SequenceNumber grows (moto's was random).
* SQS: a receive's cost grows with the queue's messages, not with their square (moto's retention check);
  the backend that serves a host is looked up once per host, not per request.
* A small control route, ``/_localcloud/<command>``, lets the ``localcloud`` command act on a running cloud.

moto's backends are global to the process, and so is the DynamoDB engine: every emulator started in one
process serves the same resources. The patches here are therefore installed once per process.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import socket
import threading
import time
import traceback
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from localcloud import dynamodb_local, kinesis_front
from localcloud.contracts import Invoker
from localcloud.dynamodb_front import TTL_IDENTITY, TTL_IDENTITY_API, DynamoDBFront, DynamoDBSettings, front_for
from localcloud.dynamodb_front import is_dynamodb as _is_dynamodb
from localcloud.kinesis_front import KinesisSettings

__all__ = [
    "TTL_IDENTITY",
    "TTL_IDENTITY_API",
    "Emulator",
    "Harshness",
    "route_lambda_invocations",
]

ControlHandler = Callable[[dict[str, Any]], Any]


class Harshness:
    """What the process's moto patches read (moto is process-wide): the newest cloud's settings win."""

    kms_etags = True  # an SSE-KMS object's ETag is not its MD5
    express_twice = False  # chaos: every Express execution runs twice


# --- patches of moto (process-wide, installed once) ---------------------------------------------------

_patch_lock = threading.Lock()
_patched = False
_invokers: list[tuple[object, Invoker, frozenset[str]]] = []  # (owner, invoker, function names), newest last


def _install_patches() -> None:
    """Patch moto's Lambda invoke, Express executions, SSE-KMS ETags and FIFO receives once per process."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        from moto.awslambda.models import LambdaFunction

        original_invoke = LambdaFunction.invoke

        def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> str | bytes:
            invoker = _invoker_for(self.function_name)
            if invoker is None:
                return original_invoke(self, body, request_headers, response_headers)
            return _invoke_locally(invoker, self.function_name, body, request_headers, response_headers)

        invoke.__wrapped__ = original_invoke  # type: ignore[attr-defined]
        LambdaFunction.invoke = invoke  # type: ignore[method-assign]
        _patch_express_executions()
        _patch_kms_etags()
        _patch_fifo_receives()
        _patch_sqs_costs()
        _patch_backend_lookup()
        _patch_task_tokens()
        _patched = True


def _patch_express_executions() -> None:
    """Express executions: never deduplicated by name (moto returns the running one), twice under chaos.

    AWS deduplicates Standard executions by name (90 days) but runs Express ones at least once, whatever the
    name. Each Express start gets an execution ARN of its own (``...:execution:<machine>:<name>:<uuid>``, as
    AWS's ``...:express:<machine>:<name>:<uuid>``).
    """
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original_start = StepFunctionsParserBackend.start_execution

    def start_execution(
        self: Any, state_machine_arn: str, name: Any = None, execution_input: Any = None, trace_header: Any = None
    ) -> Any:
        machine = self.describe_state_machine(state_machine_arn)
        # moto keeps the type in .type (its .sm_type always says STANDARD).
        if str(getattr(machine, "type", "STANDARD")) != "EXPRESS":
            return original_start(self, state_machine_arn, name, execution_input, trace_header)
        name = name or str(uuid.uuid4())
        runs = 2 if Harshness.express_twice else 1
        first = None
        for _ in range(runs):
            execution = original_start(self, state_machine_arn, f"{name}:{uuid.uuid4()}", execution_input, trace_header)
            first = first or execution
        return first

    start_execution.__wrapped__ = original_start  # type: ignore[attr-defined]
    StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign]


def _patch_task_tokens() -> None:
    """Step Functions: a lookup in the executions' interpreters skips executions that have none.

    moto's SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat, DescribeMapRun and UpdateMapRun ask each
    execution's interpreter (``exec_worker.env``) in turn; an execution that is starting (RUNNING, no
    interpreter yet) or one that ended has none, and the call failed with a 500 (``AttributeError``) for every
    caller while any execution was in that state. ``_get_executions`` serves only those lookups.
    """
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original_executions = StepFunctionsParserBackend._get_executions

    def _get_executions(self: Any, execution_status: Any = None) -> list[Any]:
        executions = original_executions(self, execution_status)
        return [e for e in executions if getattr(getattr(e, "exec_worker", None), "env", None) is not None]

    _get_executions.__wrapped__ = original_executions  # type: ignore[attr-defined]
    StepFunctionsParserBackend._get_executions = _get_executions  # type: ignore[method-assign]


def _patch_kms_etags() -> None:
    """S3: an object written with SSE-KMS (asked for, or the bucket's default) gets an ETag that is no MD5."""
    from moto.s3.models import FakeKey

    original_etag = FakeKey.etag

    def etag(self: Any) -> str:
        if self._etag is None and Harshness.kms_etags and str(self.encryption or "").startswith("aws:kms"):
            self._etag = uuid.uuid4().hex  # what S3 gives is opaque: equal content, different ETags
        return str(original_etag.fget(self))  # type: ignore[attr-defined]

    etag.__wrapped__ = original_etag  # type: ignore[attr-defined]
    FakeKey.etag = property(etag)  # type: ignore[method-assign,assignment]


# How often a long poll on a FIFO queue looks again (moto's own long poll waits on a condition instead).
def _patch_backend_lookup() -> None:
    """Which backend serves a host is worked out once per host, not on every request.

    moto matches each request's host against every service's URL patterns, inside the dispatcher's one lock:
    about a tenth of the emulator's time under the oven's backlog, and every request queued behind it.
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_backend_for_host
    known: dict[tuple[int, str | None], Any] = {}

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        key = (id(self), host)
        if key not in known:
            backend = original(self, host)
            if backend is None:
                return None  # not a host moto knows: the dispatcher tries the body and headers next
            known[key] = backend
        return known[key]

    get_backend_for_host.__wrapped__ = original  # type: ignore[attr-defined]
    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


def _patch_sqs_costs() -> None:
    """SQS: a receive costs in proportion to the queue's messages, not to their square.

    moto checks each candidate message's retention by building all the queue's attributes, which counts the
    visible, delayed and in-flight messages, each count reading the clock through ``datetime`` per message: a
    receive on a queue of n messages read the clock about 3n² times. With a backlog of 200 pizzas in the
    oven's line, its long polls alone held the emulator's one interpreter (the GIL) and slowed every other
    call. The retention is read from the queue itself, and a message's visibility from ``time.time()``
    (the same Unix milliseconds).
    """
    from moto.sqs.models import Message, SQSBackend

    def visible(self: Any) -> bool:
        return time.time() * 1000 > self.visible_at

    def delayed(self: Any) -> bool:
        return time.time() * 1000 < self.delayed_until

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return retention + message.sent_timestamp / 1000 > time.time()

    is_message_valid_based_on_retention_period.__wrapped__ = (  # type: ignore[attr-defined]
        SQSBackend.is_message_valid_based_on_retention_period
    )
    Message.visible = property(visible)  # type: ignore[assignment,method-assign]
    Message.delayed = property(delayed)  # type: ignore[assignment,method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]


_FIFO_POLL_SECONDS = 0.005


def _patch_fifo_receives() -> None:
    """SQS FIFO: a message group with a message in flight hands out nothing more, whoever asks, whenever.

    moto's ``receive_message`` reads which groups are in flight, then picks messages, with no lock: two
    receivers asking at the same moment each got a message of the one group (two bakers held the oven's line
    at once and served it out of order). Receives of one FIFO queue are made one at a time; a long poll
    looks again every few milliseconds between them instead of holding the others up.
    """
    from moto.sqs.models import SQSBackend

    original_receive = SQSBackend.receive_message
    original_send = SQSBackend.send_message
    locks: dict[tuple[int, str], threading.Lock] = {}
    locks_lock = threading.Lock()
    sequence = itertools.count(10**19)

    def queue_lock(backend: Any, queue_name: str) -> threading.Lock:
        with locks_lock:
            return locks.setdefault((id(backend), queue_name), threading.Lock())

    def send_message(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        # A FIFO message's SentTimestamp and its place in the queue are taken together, and its SequenceNumber
        # grows (moto stamped, then scanned the queue for duplicates, then appended: concurrent senders landed
        # out of their timestamps' order; its sequence numbers were random).
        if not self.get_queue(queue_name).fifo_queue:
            return original_send(self, queue_name, *args, **kwargs)
        with queue_lock(self, queue_name):
            message = original_send(self, queue_name, *args, **kwargs)
            message.sequence_number = str(next(sequence))
            return message

    def receive_message(
        self: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> Any:
        if not self.get_queue(queue_name).fifo_queue:
            return original_receive(
                self, queue_name, count, wait_seconds_timeout, visibility_timeout, message_attribute_names
            )
        lock = queue_lock(self, queue_name)
        until = time.monotonic() + (wait_seconds_timeout or 0)
        while True:
            with lock:
                _visible_again_is_not_in_flight(self.get_queue(queue_name))
                received = original_receive(self, queue_name, count, 0, visibility_timeout, message_attribute_names)
            if received or time.monotonic() >= until:
                return received
            time.sleep(_FIFO_POLL_SECONDS)

    receive_message.__wrapped__ = original_receive  # type: ignore[attr-defined]
    SQSBackend.receive_message = receive_message  # type: ignore[method-assign]
    send_message.__wrapped__ = original_send  # type: ignore[attr-defined]
    SQSBackend.send_message = send_message  # type: ignore[method-assign]


def _visible_again_is_not_in_flight(queue: Any) -> None:
    """Messages whose visibility timed out are no longer in flight, all of them at once.

    moto forgets them one at a time as its receive meets them, and counts the group as still in flight while
    any other is unforgotten: of several messages of one group that timed out together it handed out the
    LAST first (AWS hands out the group's oldest). Forgetting them all first keeps the group's order.
    """
    for message in list(queue.pending_messages):
        if message.visible:
            queue.pending_messages.discard(message)


def _invoker_for(function_name: str) -> Invoker | None:
    with _patch_lock:
        for _owner, invoker, names in reversed(_invokers):
            if function_name in names:
                return invoker
    return None


def _invoke_locally(
    invoker: Invoker, function_name: str, body: Any, request_headers: Any, response_headers: Any
) -> bytes:
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    try:
        event = json.loads(body) if body else {}
    except json.JSONDecodeError:
        event = body
    invocation_type = request_headers.get("x-amz-invocation-type") or request_headers.get("X-Amz-Invocation-Type")
    if invocation_type == "Event":
        # Asynchronous invocation: Lambda queues it and answers 202 at once.
        threading.Thread(target=invoker.invoke, args=(function_name, event), daemon=True).start()
        return b""
    result = invoker.invoke(function_name, event)
    if not result.ok:
        response_headers["x-amz-function-error"] = "Unhandled"
    return json.dumps(result.payload).encode("utf-8")


@contextlib.contextmanager
def route_lambda_invocations(owner: object, invoker: Invoker, function_names: set[str]) -> Iterator[None]:
    """While inside, moto's invocations of these functions run on ``invoker`` (the newest routing wins)."""
    _install_patches()
    entry = (owner, invoker, frozenset(function_names))
    with _patch_lock:
        _invokers.append(entry)
    try:
        yield
    finally:
        with _patch_lock:
            _invokers.remove(entry)


# --- the server -----------------------------------------------------------------------------------------


class Emulator:
    """moto's server on 127.0.0.1 with DynamoDB Local behind it (see the module docstring)."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", *, dynamodb: DynamoDBSettings | None = None) -> None:
        self.host = host
        self.requested_port = port
        # Read on every DynamoDB request, so a test may change them while the cloud runs.
        self.dynamodb_settings = dynamodb or DynamoDBSettings()
        self.kinesis_settings = KinesisSettings()  # read on every Kinesis put
        self._control: dict[str, ControlHandler] = {"health": lambda _body: {"ok": True}}
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()  # open client connections, closed at stop
        self._connections_lock = threading.Lock()
        self._previous_moto_port: str | None = None
        self.engine: dynamodb_local.DynamoDBLocal | None = None
        self._dynamodb: DynamoDBFront | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def dynamodb(self) -> DynamoDBFront:
        """The DynamoDB front (TTL sweeps, counters, reset); there once started."""
        assert self._dynamodb is not None, "start the emulator first"
        return self._dynamodb

    def add_control(self, name: str, handler: ControlHandler) -> None:
        """Serve ``POST /_localcloud/<name>`` (JSON body in, JSON answer out) from this process."""
        self._control[name] = handler

    def start(self) -> str:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        _install_patches()
        self.engine = dynamodb_local.acquire()
        try:
            self._dynamodb = front_for(self.engine.endpoint)
            app = self._with_dynamodb(
                kinesis_front.with_throttling(DomainDispatcherApplication(create_backend_app), self.kinesis_settings)
            )

            class QuietRequestHandler(MotoRequestHandler):
                """Keeps a connection open between requests, as AWS's endpoints do, and logs no access line.

                werkzeug's server closes every connection (an app may leave part of a body unread), so an SDK
                opened a connection per call, this server a thread, and the DynamoDB front a connection to the
                engine: a third of the cloud's own time under load. A request whose body has a length is read
                whole and answered whole here, and the connection waits for the next one; others (chunked
                bodies) are left to werkzeug, which closes.
                """

                # Headers and body leave in one write: two small writes on a kept connection meet Nagle's
                # algorithm and the client's delayed ACK (40 ms a call).
                wbufsize = -1

                def setup(self) -> None:
                    super().setup()
                    self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    with connections_lock:
                        connections.add(self.connection)

                def finish(self) -> None:
                    with connections_lock:
                        connections.discard(self.connection)
                    super().finish()

                def run_wsgi(self) -> None:
                    length = self.headers.get("Content-Length", "0")
                    if "Transfer-Encoding" in self.headers or not length.isdigit():
                        return super().run_wsgi()
                    if self.headers.get("Expect", "").lower() == "100-continue":
                        self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                        self.wfile.flush()
                    self.environ = environ = self.make_environ()
                    environ["wsgi.input"] = io.BytesIO(self.rfile.read(int(length)))
                    answer: dict[str, Any] = {}
                    written: list[bytes] = []  # by WSGI's write callable, before the app's iterable

                    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                        answer.update(status=status, headers=headers)
                        return written.append

                    try:
                        chunks = app_served(environ, start_response)
                        try:
                            body = b"".join([*written, *chunks])
                        finally:
                            getattr(chunks, "close", lambda: None)()
                    except Exception:
                        self.server.log("error", f"Error on request:\n{traceback.format_exc()}")  # as werkzeug
                        answer = {"status": "500 INTERNAL SERVER ERROR", "headers": [("Connection", "close")]}
                        body = b""
                    code, _, reason = answer["status"].partition(" ")
                    self.send_response(int(code), reason)
                    names = set()
                    for name, value in answer["headers"]:
                        self.send_header(name, value)
                        names.add(name.lower())
                    if "content-length" not in names and int(code) not in (204, 304):
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(body)
                    self.wfile.flush()

                def log_request(self, code: Any = "-", size: Any = "-") -> None:
                    pass

            app_served = self._with_control(app)
            connections, connections_lock = self._connections, self._connections_lock
            self._server = make_server(
                self.host,
                self.requested_port,
                app_served,
                threaded=True,
                request_handler=QuietRequestHandler,
            )
        except BaseException:
            self.engine = None
            dynamodb_local.release()
            raise
        self.port = self._server.server_address[1]
        # The Step Functions interpreter reads MOTO_PORT when it calls back; set it before anything runs.
        self._previous_moto_port = os.environ.get("MOTO_PORT")
        os.environ["MOTO_PORT"] = str(self.port)
        self._thread = threading.Thread(target=self._server.serve_forever, name="localcloud-emulator", daemon=True)
        self._thread.start()
        self._post("/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})
        return self.endpoint

    def reset(self) -> None:
        """Forget every resource (moto's reset, every DynamoDB table), then switch the interpreter back on."""
        self._post("/moto-api/reset", {})
        self._post("/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})
        if self._dynamodb is not None:
            self._dynamodb.reset()

    def ttl_sweep(self, now: datetime | None = None) -> dict[str, int]:
        """Delete every item whose TTL is at or before ``now`` (default: now); their REMOVEs carry TTL's identity."""
        moment = now or datetime.now(UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # a naive time is read as UTC
        return self.dynamodb.ttl_sweep(moment.timestamp())

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            with self._connections_lock:  # a kept connection must not reach a stopped cloud's services
                for connection in self._connections:
                    with contextlib.suppress(OSError):
                        connection.shutdown(socket.SHUT_RDWR)
            if self._thread is not None:
                self._thread.join(timeout=10)
            if os.environ.get("MOTO_PORT") == str(self.port):
                if self._previous_moto_port is None:
                    os.environ.pop("MOTO_PORT", None)
                else:
                    os.environ["MOTO_PORT"] = self._previous_moto_port
            self._server = None
        if self.engine is not None:
            self.engine = None
            dynamodb_local.release()

    def _with_dynamodb(self, app: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            if self._dynamodb is None or not _is_dynamodb(environ):
                return app(environ, start_response)
            return self._dynamodb.wsgi(environ, start_response, self.dynamodb_settings)

        return wrapped

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            self.endpoint + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def _with_control(self, app: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            path: str = environ.get("PATH_INFO", "")
            if not path.startswith("/_localcloud/"):
                return app(environ, start_response)
            handler = self._control.get(path.removeprefix("/_localcloud/").strip("/"))
            if handler is None:
                return _json(start_response, "404 Not Found", {"message": f"no control command {path!r}"})
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                raw = environ["wsgi.input"].read(length) if length else b""
                answer = handler(json.loads(raw) if raw else {})
            except Exception as error:  # the caller is a CLI: tell it what went wrong
                return _json(
                    start_response, "500 Internal Server Error", {"message": f"{type(error).__name__}: {error}"}
                )
            return _json(start_response, "200 OK", answer)

        return wrapped


def _json(start_response: Callable[..., Any], status: str, body: Any) -> list[bytes]:
    data = json.dumps(body, default=str).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
