"""moto's server in this process, made fit for the local cloud.

What this adds to a plain ``ThreadedMotoServer``:

* Every DynamoDB and DynamoDB Streams request runs under one lock. moto's server is multi-threaded and
  its DynamoDB backend has no locking, so two writers can both pass one condition expression (measured:
  about 1 round in 100 under contention). On AWS a condition is atomic; with the lock it is here too.
* moto's Step Functions interpreter is switched on, with ``MOTO_PORT`` set to the real port first (the
  interpreter calls back to ``http://localhost:$MOTO_PORT``).
* moto's Lambda invocations (``lambda:Invoke``, Step Functions ``lambda:invoke`` tasks) are routed to the
  local function workers instead of moto's Docker runner.
* DynamoDB TTL is applied by :func:`ttl_sweep`, and the REMOVE stream records it causes carry the TTL
  identity, as on AWS.
* A cancelled TransactWriteItems keeps the table's stream shard (moto's rollback would replace it with a
  copy, and every stream reader would stall).
* A small control route, ``/_localcloud/<command>``, lets the ``localcloud`` command act on a running cloud.

moto's backends are global to the process: every emulator started in one process serves the same
resources. The patches here are therefore installed once per process and are process-wide.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import threading
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from localcloud.contracts import Invoker

__all__ = [
    "DYNAMODB_LOCK",
    "TTL_IDENTITY",
    "TTL_IDENTITY_API",
    "Emulator",
    "dynamodb_serialised",
    "route_lambda_invocations",
    "ttl_sweep",
]

# One lock for all DynamoDB state in the process (moto's backends are process-wide).
DYNAMODB_LOCK = threading.RLock()

# How a TTL deletion is marked: in a Lambda event record (what functions see) ...
TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
# ... and in the DynamoDB Streams API (GetRecords), which spells the same keys capitalised.
TTL_IDENTITY_API = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}

_DYNAMODB_TARGETS = ("DynamoDB_20120810.", "DynamoDBStreams_20120810.")

ControlHandler = Callable[[dict[str, Any]], Any]


# --- patches of moto (process-wide, installed once) ---------------------------------------------------

_patch_lock = threading.Lock()
_patched = False
_sweeping = threading.local()
_partition = threading.local()  # the partition a Query on a table's key reads (see _install_patches)
_invokers: list[tuple[object, Invoker, frozenset[str]]] = []  # (owner, invoker, function names), newest last


def _install_patches() -> None:
    """Patch moto's stream records and Lambda invoke once per process."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        from moto.awslambda.models import LambdaFunction
        from moto.dynamodb.models.table import StreamShard

        original_add = StreamShard.add

        def add(self: Any, old: Any, new: Any) -> None:
            # An UpdateItem that creates its item makes moto write two INSERT records: one of the bare keys
            # (its internal put), then one of the full item. DynamoDB writes one: keep the full one only.
            if old is None and new is not None and self.items and getattr(self, "_last_created", None) is new:
                self.items.pop()
            self._last_created = new if old is None else None
            original_add(self, old, new)
            if not self.items:
                return
            record = self.items[-1].record
            # moto writes "us-east-1" whatever the table's region is.
            record["awsRegion"] = self.table.region_name
            if new is None and getattr(_sweeping, "active", False):
                record["userIdentity"] = dict(TTL_IDENTITY_API)

        StreamShard.add = add  # type: ignore[method-assign]

        original_invoke = LambdaFunction.invoke

        def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> str | bytes:
            invoker = _invoker_for(self.function_name)
            if invoker is None:
                return original_invoke(self, body, request_headers, response_headers)
            return _invoke_locally(invoker, self.function_name, body, request_headers, response_headers)

        invoke.__wrapped__ = original_invoke  # type: ignore[attr-defined]
        LambdaFunction.invoke = invoke  # type: ignore[method-assign]

        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.models.table import Table

        original_transact = DynamoDBBackend.transact_write_items

        def transact_write_items(self: Any, transact_items: Any) -> None:
            before = dict(self.tables)
            touched = _snapshot_touched_items(self, transact_items)
            Table.__deepcopy__ = _same_table  # type: ignore[attr-defined]
            try:
                original_transact(self, transact_items)
            except BaseException:
                _restore_touched_items(self, touched)
                raise
            finally:
                del Table.__deepcopy__  # type: ignore[attr-defined]
                _keep_stream_shards(before, self.tables)

        transact_write_items.__wrapped__ = original_transact  # type: ignore[attr-defined]
        DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]

        # moto answers a Query on a table's key by sorting and filtering every item of the table; DynamoDB
        # reads the one partition. Hand moto's query only the partition asked for (same items, same order).
        original_query, original_all_items = Table.query, Table.all_items

        def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
            on_table_key = len(args) < 7 or args[6] is None  # args[6] is index_name
            _partition.key = hash_key if on_table_key and "index_name" not in kwargs else None
            try:
                return original_query(self, hash_key, *args, **kwargs)
            finally:
                _partition.key = None

        def all_items(self: Any) -> Any:
            key = getattr(_partition, "key", None)
            if key is None or not self.range_key_attr:
                return original_all_items(self)
            return sorted(self.items.get(key, {}).values(), key=lambda item: item.range_key)

        query.__wrapped__ = original_query  # type: ignore[attr-defined]
        Table.query = query  # type: ignore[method-assign]
        Table.all_items = all_items  # type: ignore[method-assign]
        _patched = True


def _same_table(table: Any, memo: dict[int, Any]) -> Any:
    return table


def _snapshot_touched_items(backend: Any, transact_items: Any) -> dict[str, Any]:
    """What a rollback of this transaction needs: a copy of each item it names, and each table's stream length.

    moto snapshots every table a transaction names with ``copy.deepcopy``, once per item: a transaction then
    costs (items x table size), seconds on a table of a few thousand items. DynamoDB requests are serialised
    here, so only the items the transaction names can change before a rollback: copy those instead.
    """
    items: dict[tuple[str, Any, Any], Any] = {}
    streams: dict[str, int] = {}
    for entry in transact_items:
        try:
            _kind, operation = next(iter(entry.items()))
            table = backend.get_table(operation["TableName"])
            key = operation.get("Key") or {
                name: operation["Item"][name] for name in (table.hash_key_attr, table.range_key_attr) if name
            }
            hash_value, range_value = backend.get_keys_value(table, key)
            current = table.get_item(hash_value, range_value)
        except Exception:  # moto refuses a malformed item itself, before it changes anything
            continue
        items.setdefault((table.name, hash_value, range_value), copy.deepcopy(current))
        if table.stream_shard is not None:
            streams.setdefault(table.name, len(table.stream_shard.items))
    return {"items": items, "streams": streams}


def _restore_touched_items(backend: Any, touched: dict[str, Any]) -> None:
    for (name, hash_value, range_value), original in touched["items"].items():
        table = backend.tables[name]
        holder, slot = (table.items[hash_value], range_value) if range_value is not None else (table.items, hash_value)
        if original is None:
            holder.pop(slot, None)
        else:
            holder[slot] = original
    for name, length in touched["streams"].items():
        del backend.tables[name].stream_shard.items[length:]


def _keep_stream_shards(before: dict[str, Any], tables: dict[str, Any]) -> None:
    """moto rolls a cancelled transaction back by putting deep copies of its tables in their place, and a
    copy's stream shard is a new object. Every shard iterator handed out holds the old shard, so stream
    readers would stall silently at the rollback. Keep the old shard: give it the restored records."""
    for name, table in tables.items():
        old = before.get(name)
        if old is None or old is table:
            continue
        old_shard, restored_shard = getattr(old, "stream_shard", None), getattr(table, "stream_shard", None)
        if old_shard is None or restored_shard is None:
            continue
        old_shard.items = restored_shard.items
        old_shard.table = table
        table.stream_shard = old_shard


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


# --- DynamoDB serialisation -----------------------------------------------------------------------------


def _is_dynamodb(environ: dict[str, Any]) -> bool:
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    return target.startswith(_DYNAMODB_TARGETS)


def dynamodb_serialised(app: Callable[..., Any], enabled: Callable[[], bool]) -> Callable[..., Any]:
    """Wrap a WSGI app so DynamoDB requests run one at a time (while ``enabled()``)."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not (_is_dynamodb(environ) and enabled()):
            return app(environ, start_response)
        with DYNAMODB_LOCK:
            # Drain the body inside the lock: a lazy iterator would run moto after the lock is released.
            return list(app(environ, start_response))

    return wrapped


# --- TTL ------------------------------------------------------------------------------------------------


def _epoch_seconds(value: Any) -> float | None:
    """A TTL attribute counts only as a Number holding epoch seconds, as on AWS."""
    if getattr(value, "type", None) != "N":
        return None
    try:
        return float(value.value)
    except (TypeError, ValueError):
        return None


def ttl_sweep(now: datetime | None = None) -> dict[str, int]:
    """Delete every expired item of every table with TTL enabled, as DynamoDB's TTL process does.

    An item expires when its TTL attribute (epoch seconds) is at or before ``now``. The stream REMOVE
    records of these deletes carry ``userIdentity`` = the DynamoDB service; ordinary deletes carry none.
    Returns the number of items deleted per table (tables with nothing expired are left out).
    """
    _install_patches()
    from moto.dynamodb.models import dynamodb_backends

    now = now or datetime.now(UTC)
    moment = (now if now.tzinfo else now.replace(tzinfo=UTC)).timestamp()  # a naive time is read as UTC
    deleted: dict[str, int] = {}
    with DYNAMODB_LOCK:
        _sweeping.active = True
        try:
            for account in list(dynamodb_backends.keys()):
                for backend in list(dynamodb_backends[account].values()):
                    for table in list(backend.tables.values()):
                        if table.ttl.get("TimeToLiveStatus") != "ENABLED":
                            continue
                        attribute = table.ttl.get("AttributeName", "")
                        expired = [
                            item
                            for item in table.all_items()
                            if (expiry := _epoch_seconds(item.attrs.get(attribute))) is not None and expiry <= moment
                        ]
                        for item in expired:
                            table.delete_item(item.hash_key, item.range_key)
                        if expired:
                            deleted[table.name] = deleted.get(table.name, 0) + len(expired)
        finally:
            _sweeping.active = False
    return deleted


# --- the server -----------------------------------------------------------------------------------------


class Emulator:
    """moto's server on 127.0.0.1, with the local cloud's additions (see the module docstring)."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", *, serialise_dynamodb: bool = True) -> None:
        self.host = host
        self.requested_port = port
        # Read on every request, so a test can switch it off to show the race it prevents.
        self.serialise_dynamodb = serialise_dynamodb
        self._control: dict[str, ControlHandler] = {"health": lambda _body: {"ok": True}}
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._previous_moto_port: str | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def add_control(self, name: str, handler: ControlHandler) -> None:
        """Serve ``POST /_localcloud/<name>`` (JSON body in, JSON answer out) from this process."""
        self._control[name] = handler

    def start(self) -> str:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        _install_patches()
        app = dynamodb_serialised(DomainDispatcherApplication(create_backend_app), lambda: self.serialise_dynamodb)

        class QuietRequestHandler(MotoRequestHandler):
            # One access-log line per AWS call drowns everything else out.
            def log_request(self, code: Any = "-", size: Any = "-") -> None:
                pass

        self._server = make_server(
            self.host, self.requested_port, self._with_control(app), threaded=True, request_handler=QuietRequestHandler
        )
        self.port = self._server.server_address[1]
        # The Step Functions interpreter reads MOTO_PORT when it calls back; set it before anything runs.
        self._previous_moto_port = os.environ.get("MOTO_PORT")
        os.environ["MOTO_PORT"] = str(self.port)
        self._thread = threading.Thread(target=self._server.serve_forever, name="localcloud-emulator", daemon=True)
        self._thread.start()
        self._post("/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})
        return self.endpoint

    def reset(self) -> None:
        """Forget every resource (moto's reset), then switch the interpreter back on."""
        self._post("/moto-api/reset", {})
        self._post("/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if os.environ.get("MOTO_PORT") == str(self.port):
            if self._previous_moto_port is None:
                os.environ.pop("MOTO_PORT", None)
            else:
                os.environ["MOTO_PORT"] = self._previous_moto_port
        self._server = None

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
