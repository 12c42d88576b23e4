"""The front of the local cloud's DynamoDB: DynamoDB Local behind the cloud's one endpoint, failing as AWS fails.

Every request reaching the emulator's port with ``X-Amz-Target: DynamoDB_20120810.*`` or
``DynamoDBStreams_20120810.*`` comes here (handlers, tests, moto's Step Functions interpreter: anything using
``AWS_ENDPOINT_URL``) and is forwarded to DynamoDB Local (:mod:`localcloud.dynamodb_local`). On the way:

* ARNs are the cloud's: DynamoDB Local says region ``ddblocal``, account ``000000000000``; clients see the
  region of their request and the cloud's account (and may send those ARNs back: they are turned back).
* What DynamoDB Local answers ``UnknownOperationException`` is answered here: tagging, point-in-time recovery
  (``DescribeContinuousBackups``/``UpdateContinuousBackups``), resource policies, ``DescribeEndpoints``, and
  TTL (``UpdateTimeToLive``/``DescribeTimeToLive`` are kept here and never reach DynamoDB Local, whose own
  TTL deletes slowly and marks nothing: :meth:`DynamoDBFront.ttl_sweep` deletes expired items instead).
* Stream records: ``awsRegion`` is the cloud's; the REMOVE records of TTL deletions carry
  ``userIdentity {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}`` (GetRecords' spelling); a
  deletion DynamoDB Local marks ``UNKNOWN_TO_SDK_VERSION`` (its own TTL) becomes such a REMOVE.
* Transactions conflict (unless switched off): a TransactWriteItems touching an item that another in-flight
  transaction touches is cancelled with reason ``TransactionConflict``; a PutItem/UpdateItem/DeleteItem on
  such an item fails with ``TransactionConflictException``; a BatchWriteItem leaves such items unprocessed; a
  TransactGetItems is cancelled. A transaction holds its items from its arrival to its answer, and takes
  ``transaction_hold_seconds`` (20 ms) longer than DynamoDB Local needs, as on AWS, where a transaction
  takes tens of milliseconds: so overlaps under concurrency are as real as there.
* Throttling and partial answers (chaos, ``throttle_rate``): that share of data-plane calls is throttled
  (``ProvisionedThroughputExceededException`` or ``ThrottlingException``), and that share of batch calls
  answers only part of the batch (``UnprocessedKeys``/``UnprocessedItems``). SDKs retry throttling, so a
  quarter of the throttled calls stay throttled on every retry (followed by ``amz-sdk-invocation-id``): the
  failure reaches the code, as it does on AWS when a partition stays hot. A test's own probes (clients that
  send ``X-Localcloud-Probe``, as the pytest plugin's ``localcloud.client(...)`` makes them) are never
  throttled: chaos is for the services under test, and a probe failing would fail the test, not the code.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import random
import re
import threading
import time
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_TRANSACTION_HOLD_SECONDS",
    "PROBE_HEADER",
    "TTL_IDENTITY",
    "TTL_IDENTITY_API",
    "DynamoDBFront",
    "DynamoDBSettings",
    "is_dynamodb",
]

# How a TTL deletion is marked: in a Lambda event record (what functions see) ...
TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
# ... and in the DynamoDB Streams API (GetRecords), which spells the same keys capitalised.
TTL_IDENTITY_API = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}

ACCOUNT = "123456789012"
# How much longer than a plain write a transaction holds its items (AWS: a transaction costs twice the writes).
DEFAULT_TRANSACTION_HOLD_SECONDS = 0.02
# Of the calls chaos throttles, this share stays throttled through every retry of the SDK.
SURFACED_SHARE = 0.25
# Marks a test's own probe (what it reads to check the services): chaos never throttles it.
PROBE_HEADER = "X-Localcloud-Probe"

_TARGETS = ("DynamoDB_20120810.", "DynamoDBStreams_20120810.")
_LOCAL_ARN = "arn:aws:dynamodb:ddblocal:000000000000:"
_LOCAL_ARN_BYTES = _LOCAL_ARN.encode()
_CLOUD_ARN = re.compile(rb"arn:aws:dynamodb:[a-z0-9-]+:\d{12}:")
_LOCAL_REGION = b'"awsRegion":"ddblocal"'
_SCOPE = re.compile(r"Credential=[^/]*/\d{8}/([a-z0-9-]+)/")
_STREAM_TABLE = re.compile(r"table/([^/|]+)/stream/")
_ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"

_ITEM_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
_DATA_PLANE = _ITEM_WRITES | {
    "GetItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "TransactGetItems",
    "ExecuteStatement",
    "BatchExecuteStatement",
    "ExecuteTransaction",
}


def is_dynamodb(environ: dict[str, Any]) -> bool:
    """Is this WSGI request for DynamoDB or DynamoDB Streams?"""
    return str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(_TARGETS)


@dataclass
class DynamoDBSettings:
    """How harsh the front is; read on every request, so a test may change it while the cloud runs."""

    transaction_conflicts: bool = True
    transaction_hold_seconds: float = DEFAULT_TRANSACTION_HOLD_SECONDS
    throttle_rate: float = 0.0
    rng: random.Random = field(default_factory=random.Random)


class _Answer(Exception):
    """An answer made here instead of DynamoDB Local's."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("message", ""))
        self.status = status
        self.body = body


def _error(code: str, message: str, status: int = 400, **extra: Any) -> _Answer:
    return _Answer(status, {"__type": _ERROR_PREFIX + code, "message": message, **extra})


@dataclass
class _Hold:
    """An item held by a transaction in flight, from its arrival until its answer (never beyond)."""

    owner: object
    token: str | None


@dataclass
class _Counters:
    forwarded: int = 0
    transaction_conflicts: int = 0
    write_conflicts: int = 0
    throttled: int = 0
    partial_batches: int = 0
    ttl_deleted: int = 0


class DynamoDBFront:
    """Forwards DynamoDB requests to DynamoDB Local (see the module docstring). One per engine, shared."""

    def __init__(self, engine_endpoint: str) -> None:
        address = urlsplit(engine_endpoint)
        self.engine_endpoint = engine_endpoint
        self._host = address.hostname or "127.0.0.1"
        self._port = address.port or 80
        self._local = threading.local()
        self._lock = threading.Lock()
        self._schemas: dict[str, tuple[str, str | None]] = {}
        self._ttl: dict[str, str] = {}  # table -> TTL attribute
        self._tags: dict[str, dict[str, str]] = {}  # table -> tags
        self._pitr: dict[str, bool] = {}
        self._policies: dict[str, tuple[str, str]] = {}  # resource ARN (local form) -> (policy, revision)
        self._held: dict[tuple[str, str], _Hold] = {}
        self._throttled: OrderedDict[str, bool] = OrderedDict()  # invocation id -> throttled on every attempt
        # TTL marks: deletions made by the sweep whose REMOVE record no reader has seen yet, and the records seen.
        self._pending_ttl: dict[tuple[str, str], int] = {}
        self._ttl_records: OrderedDict[tuple[str, str], None] = OrderedDict()
        self.counters = _Counters()

    # --- WSGI --------------------------------------------------------------------------------------------

    def wsgi(
        self, environ: dict[str, Any], start_response: Callable[..., Any], settings: DynamoDBSettings
    ) -> list[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            name: str(environ[key])
            for name, key in (
                ("Content-Type", "CONTENT_TYPE"),
                ("X-Amz-Target", "HTTP_X_AMZ_TARGET"),
                ("Authorization", "HTTP_AUTHORIZATION"),
                ("X-Amz-Date", "HTTP_X_AMZ_DATE"),
            )
            if environ.get(key)
        }
        scope = _SCOPE.search(headers.get("Authorization", ""))
        region = scope.group(1) if scope else "us-east-1"
        request = _Request(
            target=target,
            operation=target.split(".", 1)[-1],
            streams=target.startswith("DynamoDBStreams"),
            body=body,
            headers=headers,
            region=region,
            invocation=str(environ.get("HTTP_AMZ_SDK_INVOCATION_ID", "")) or None,
            attempt=_attempt(str(environ.get("HTTP_AMZ_SDK_REQUEST", ""))),
            host=str(environ.get("HTTP_HOST", "")),
            probe=bool(environ.get("HTTP_X_LOCALCLOUD_PROBE")),
        )
        try:
            status, data = self.handle(request, settings)
        except _Answer as answer:
            status, data = answer.status, json.dumps(answer.body).encode()
        reason = {200: "OK", 400: "Bad Request", 500: "Internal Server Error"}.get(status, "Error")
        start_response(
            f"{status} {reason}",
            [
                ("Content-Type", "application/x-amz-json-1.0"),
                ("x-amzn-RequestId", str(uuid.uuid4())),
                ("x-amz-crc32", str(zlib.crc32(data))),
                ("Content-Length", str(len(data))),
            ],
        )
        return [data]

    # --- one request -------------------------------------------------------------------------------------

    def handle(self, request: _Request, settings: DynamoDBSettings) -> tuple[int, bytes]:
        if request.streams:
            return self._streams(request)
        operation = request.operation
        local = _LOCAL_HANDLERS.get(operation)
        if local is not None:
            return 200, json.dumps(local(self, request)).encode()
        payload: dict[str, Any] | None = None
        if operation in _DATA_PLANE and settings.throttle_rate > 0 and not request.probe:
            payload = request.json()
            self._maybe_throttle(request, payload, settings)
        if operation == "CreateTable":
            return self._create_table(request)
        if operation == "DeleteTable":
            return self._delete_table(request)
        if settings.transaction_conflicts and operation in _ITEM_WRITES | {
            "TransactWriteItems",
            "TransactGetItems",
            "BatchWriteItem",
        }:
            return self._with_conflicts(request, payload or request.json(), settings)
        if payload is not None and operation in ("BatchGetItem", "BatchWriteItem") and payload.get("_partial"):
            return self._partial_batch(request, payload)
        return self._forward(request)

    def _forward(self, request: _Request, body: bytes | None = None) -> tuple[int, bytes]:
        body = request.body if body is None else body
        if b"arn:aws:dynamodb:" in body:
            body = _CLOUD_ARN.sub(_LOCAL_ARN_BYTES, body)
        status, data = self._engine(request.headers, body)
        self.counters.forwarded += 1
        return status, self._cloud_form(data, request.region)

    def _cloud_form(self, data: bytes, region: str) -> bytes:
        if _LOCAL_ARN_BYTES in data:
            data = data.replace(_LOCAL_ARN_BYTES, f"arn:aws:dynamodb:{region}:{ACCOUNT}:".encode())
        if _LOCAL_REGION in data:
            data = data.replace(_LOCAL_REGION, f'"awsRegion":"{region}"'.encode())
        return data

    def _engine(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        """One call to DynamoDB Local on this thread's keep-alive connection (a broken one is replaced once)."""
        for attempt in (1, 2):
            connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
            if connection is None:
                connection = self._local.connection = http.client.HTTPConnection(self._host, self._port, timeout=60)
            try:
                connection.request("POST", "/", body=body, headers=headers)
                response = connection.getresponse()
                return response.status, response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                self._local.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def call(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        """A DynamoDB call straight to the engine (the cloud's own work: sweeps, resets, schemas)."""
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": f"DynamoDB_20120810.{operation}",
            "Authorization": (
                "AWS4-HMAC-SHA256 Credential=localcloud/20260101/us-east-1/dynamodb/aws4_request, "
                "SignedHeaders=host, Signature=0"
            ),
        }
        status, data = self._engine(headers, json.dumps(body).encode())
        answer: dict[str, Any] = json.loads(data) if data else {}
        if status >= 400:
            code = str(answer.get("__type", status)).rsplit("#", 1)[-1]
            raise _error(code, str(answer.get("Message", answer.get("message", ""))), status)
        return answer

    def items_in_transactions(self) -> int:
        """How many items transactions in flight hold now."""
        with self._lock:
            return len(self._held)

    # --- tables, and what DynamoDB Local lacks ----------------------------------------------------------

    def _create_table(self, request: _Request) -> tuple[int, bytes]:
        payload = request.json()
        tags = payload.pop("Tags", None)  # DynamoDB Local keeps no tags: they live here
        status, data = self._forward(request, json.dumps(payload).encode())
        if status == 200:
            name = str(payload.get("TableName", ""))
            with self._lock:
                self._schemas.pop(name, None)
                self._ttl.pop(name, None)
                self._tags[name] = {tag["Key"]: tag["Value"] for tag in tags or []}
                self._pitr.pop(name, None)
        return status, data

    def _delete_table(self, request: _Request) -> tuple[int, bytes]:
        status, data = self._forward(request)
        if status == 200:
            self._forget(_table_name(str(request.json().get("TableName", ""))))
        return status, data

    def _forget(self, name: str) -> None:
        with self._lock:
            self._schemas.pop(name, None)
            self._ttl.pop(name, None)
            self._tags.pop(name, None)
            self._pitr.pop(name, None)
            for arn in [arn for arn in self._policies if _table_name(arn) == name]:
                del self._policies[arn]

    def _existing_table(self, name_or_arn: str) -> str:
        """The table's name; ``ResourceNotFoundException`` as DynamoDB says it when there is none."""
        name = _table_name(name_or_arn)
        try:
            self.call("DescribeTable", {"TableName": name})
        except _Answer:
            raise _error(
                "ResourceNotFoundException", f"Requested resource not found: Table: {name} not found"
            ) from None
        return name

    def _update_time_to_live(self, request: _Request) -> dict[str, Any]:
        payload = request.json()
        name = self._existing_table(str(payload.get("TableName", "")))
        spec = payload.get("TimeToLiveSpecification") or {}
        attribute, enabled = str(spec.get("AttributeName", "")), bool(spec.get("Enabled"))
        with self._lock:
            current = self._ttl.get(name)
            if enabled and current is not None:
                raise _error("ValidationException", "TimeToLive is already enabled")
            if not enabled and current is None:
                raise _error("ValidationException", "TimeToLive is already disabled")
            if enabled:
                self._ttl[name] = attribute
            else:
                del self._ttl[name]
        return {"TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute}}

    def _describe_time_to_live(self, request: _Request) -> dict[str, Any]:
        name = self._existing_table(str(request.json().get("TableName", "")))
        attribute = self._ttl.get(name)
        if attribute is None:
            return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
        return {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": attribute}}

    def _tag_resource(self, request: _Request) -> dict[str, Any]:
        payload = request.json()
        name = self._existing_table(str(payload.get("ResourceArn", "")))
        with self._lock:
            self._tags.setdefault(name, {}).update({tag["Key"]: tag["Value"] for tag in payload.get("Tags", [])})
        return {}

    def _untag_resource(self, request: _Request) -> dict[str, Any]:
        payload = request.json()
        name = self._existing_table(str(payload.get("ResourceArn", "")))
        with self._lock:
            for key in payload.get("TagKeys", []):
                self._tags.get(name, {}).pop(key, None)
        return {}

    def _list_tags(self, request: _Request) -> dict[str, Any]:
        name = self._existing_table(str(request.json().get("ResourceArn", "")))
        return {"Tags": [{"Key": key, "Value": value} for key, value in sorted(self._tags.get(name, {}).items())]}

    def _continuous_backups(self, name: str) -> dict[str, Any]:
        recovery: dict[str, Any] = {"PointInTimeRecoveryStatus": "ENABLED" if self._pitr.get(name) else "DISABLED"}
        if self._pitr.get(name):
            now = datetime.now(UTC).timestamp()
            recovery |= {"EarliestRestorableDateTime": now, "LatestRestorableDateTime": now, "RecoveryPeriodInDays": 35}
        return {
            "ContinuousBackupsDescription": {
                "ContinuousBackupsStatus": "ENABLED",
                "PointInTimeRecoveryDescription": recovery,
            }
        }

    def _describe_continuous_backups(self, request: _Request) -> dict[str, Any]:
        name = self._existing_table(str(request.json().get("TableName", "")))
        return self._continuous_backups(name)

    def _update_continuous_backups(self, request: _Request) -> dict[str, Any]:
        payload = request.json()
        name = self._existing_table(str(payload.get("TableName", "")))
        spec = payload.get("PointInTimeRecoverySpecification") or {}
        with self._lock:
            self._pitr[name] = bool(spec.get("PointInTimeRecoveryEnabled"))
        return self._continuous_backups(name)

    def _describe_endpoints(self, request: _Request) -> dict[str, Any]:
        return {"Endpoints": [{"Address": request.host or "127.0.0.1", "CachePeriodInMinutes": 1440}]}

    def _put_resource_policy(self, request: _Request) -> dict[str, Any]:
        payload = request.json()
        arn = str(payload.get("ResourceArn", ""))
        self._existing_table(arn)
        revision = str(time.time_ns())
        with self._lock:
            self._policies[_table_name(arn)] = (str(payload.get("Policy", "")), revision)
        return {"RevisionId": revision}

    def _get_resource_policy(self, request: _Request) -> dict[str, Any]:
        arn = str(request.json().get("ResourceArn", ""))
        self._existing_table(arn)
        policy = self._policies.get(_table_name(arn))
        if policy is None:
            raise _error(
                "PolicyNotFoundException", f"Resource-based policy not found for the provided ResourceArn: {arn}"
            )
        return {"Policy": policy[0], "RevisionId": policy[1]}

    def _delete_resource_policy(self, request: _Request) -> dict[str, Any]:
        arn = str(request.json().get("ResourceArn", ""))
        self._existing_table(arn)
        with self._lock:
            policy = self._policies.pop(_table_name(arn), None)
        if policy is None:
            raise _error(
                "PolicyNotFoundException", f"Resource-based policy not found for the provided ResourceArn: {arn}"
            )
        return {"RevisionId": policy[1]}

    # --- keys --------------------------------------------------------------------------------------------

    def _schema(self, table: str) -> tuple[str, str | None] | None:
        schema = self._schemas.get(table)
        if schema is None:
            try:
                described = self.call("DescribeTable", {"TableName": table})["Table"]
            except _Answer:
                return None
            keys = {key["KeyType"]: key["AttributeName"] for key in described["KeySchema"]}
            schema = (keys["HASH"], keys.get("RANGE"))
            self._schemas[table] = schema
        return schema

    def _key(self, table_name: str, attributes: dict[str, Any]) -> tuple[str, str] | None:
        """The identity of one item: its table and its key attributes, canonical."""
        table = _table_name(table_name)
        schema = self._schema(table)
        if schema is None:
            return None
        key = {name: attributes.get(name) for name in schema if name is not None}
        return table, json.dumps(key, sort_keys=True)

    def _transaction_keys(self, items: Iterable[dict[str, Any]]) -> list[tuple[str, str] | None]:
        keys: list[tuple[str, str] | None] = []
        for entry in items:
            action: dict[str, Any] = next(iter(entry.values()), {}) if entry else {}
            attributes = action.get("Key") or action.get("Item") or {}
            keys.append(self._key(str(action.get("TableName", "")), attributes))
        return keys

    # --- transaction conflicts ---------------------------------------------------------------------------

    def _busy(self, key: tuple[str, str] | None, owner: object, token: str | None) -> bool:
        if key is None:
            return False
        hold = self._held.get(key)
        return not (hold is None or hold.owner is owner or (token is not None and hold.token == token))

    def _with_conflicts(
        self, request: _Request, payload: dict[str, Any], settings: DynamoDBSettings
    ) -> tuple[int, bytes]:
        operation = request.operation
        if operation in _ITEM_WRITES:
            key = self._key(str(payload.get("TableName", "")), payload.get("Key") or payload.get("Item") or {})
            with self._lock:
                conflict = self._busy(key, request, None)
            if conflict:
                self.counters.write_conflicts += 1
                raise _error("TransactionConflictException", "Transaction is ongoing for the item")
            return self._forward(request)
        if operation == "BatchWriteItem":
            return self._batch_write_with_conflicts(request, payload)
        items = payload.get("TransactItems") or []
        keys = self._transaction_keys(items)
        token = payload.get("ClientRequestToken") if operation == "TransactWriteItems" else None
        writing = operation == "TransactWriteItems"
        with self._lock:
            busy = [self._busy(key, request, token) for key in keys]
            if not any(busy) and writing:
                for key in keys:
                    if key is not None:
                        self._held[key] = _Hold(request, token)
        if any(busy):
            self.counters.transaction_conflicts += 1
            reasons = [
                {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
                if conflict
                else {"Code": "None"}
                for conflict in busy
            ]
            codes = ", ".join(reason["Code"] for reason in reasons)
            raise _error(
                "TransactionCanceledException",
                f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
                CancellationReasons=reasons,
            )
        if not writing:
            return self._forward(request)
        try:
            # The prepare phase: on AWS a transaction takes tens of milliseconds, during which its items are
            # locked. Holding them this long makes overlaps under concurrency as real as there. Released at the
            # answer: the caller's next write never meets its own transaction.
            if settings.transaction_hold_seconds > 0:
                time.sleep(settings.transaction_hold_seconds)
            return self._forward(request)
        finally:
            with self._lock:
                for key in keys:
                    hold = self._held.get(key) if key is not None else None
                    if hold is not None and hold.owner is request:
                        del self._held[key]  # type: ignore[arg-type]

    def _batch_write_with_conflicts(self, request: _Request, payload: dict[str, Any]) -> tuple[int, bytes]:
        """Writes to items inside a transaction are left unprocessed; the rest go on."""
        kept: dict[str, list[Any]] = {}
        left: dict[str, list[Any]] = {}
        with self._lock:
            for table, writes in (payload.get("RequestItems") or {}).items():
                for write in writes:
                    attributes = (write.get("PutRequest") or {}).get("Item") or (write.get("DeleteRequest") or {}).get(
                        "Key"
                    )
                    busy = self._busy(self._key(table, attributes or {}), request, None)
                    (left if busy else kept).setdefault(table, []).append(write)
        if payload.get("_partial"):
            return self._partial_batch(request, payload)
        if not left:
            return self._forward(request)
        self.counters.write_conflicts += 1
        if not kept:
            return 200, json.dumps({"UnprocessedItems": left}).encode()
        status, data = self._forward(request, json.dumps({**payload, "RequestItems": kept}).encode())
        if status != 200:
            return status, data
        answer = json.loads(data)
        unprocessed = answer.setdefault("UnprocessedItems", {})
        for table, writes in left.items():
            unprocessed.setdefault(table, []).extend(writes)
        return status, json.dumps(answer).encode()

    # --- throttling and partial answers (chaos) -------------------------------------------------------

    def _maybe_throttle(self, request: _Request, payload: dict[str, Any], settings: DynamoDBSettings) -> None:
        rng, rate = settings.rng, settings.throttle_rate
        always = self._throttled.get(request.invocation) if request.invocation else None
        if always is None or request.attempt <= 1:
            draw = rng.random()
            if request.operation in ("BatchGetItem", "BatchWriteItem") and rate <= draw < 2 * rate:
                payload["_partial"] = True
                return
            if draw >= rate:
                return
            always = rng.random() < SURFACED_SHARE
            if request.invocation:
                with self._lock:
                    self._throttled[request.invocation] = always
                    while len(self._throttled) > 10_000:
                        self._throttled.popitem(last=False)
        elif not always:
            return  # a retry of a call throttled once: it goes through now
        self.counters.throttled += 1
        if request.operation.startswith("Transact") or rng.random() < 0.5:
            raise _error("ThrottlingException", "Rate of requests exceeds the allowed throughput.")
        raise _error(
            "ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded. "
            "Consider increasing your provisioning level with the UpdateTable API.",
        )

    def _partial_batch(self, request: _Request, payload: dict[str, Any]) -> tuple[int, bytes]:
        """Answer part of a batch; the rest comes back unprocessed, as when a partition is throttled."""
        self.counters.partial_batches += 1
        payload.pop("_partial", None)
        rng = random.Random()
        field_name = "Keys" if request.operation == "BatchGetItem" else None
        entries: list[tuple[str, Any]] = []
        for table, value in (payload.get("RequestItems") or {}).items():
            for entry in value[field_name] if field_name else value:
                entries.append((table, entry))
        if len(entries) <= 1:
            raise _error(
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded.",
            )
        keep = set(rng.sample(range(len(entries)), rng.randint(1, len(entries) - 1)))
        sent: dict[str, Any] = {}
        held_back: dict[str, Any] = {}
        requested = payload.get("RequestItems") or {}
        for index, (table, entry) in enumerate(entries):
            target = sent if index in keep else held_back
            if field_name:
                target.setdefault(table, {**requested[table], "Keys": []})["Keys"].append(entry)
            else:
                target.setdefault(table, []).append(entry)
        status, data = self._forward(request, json.dumps({**payload, "RequestItems": sent}).encode())
        if status != 200:
            return status, data
        answer = json.loads(data)
        unprocessed = answer.setdefault("UnprocessedKeys" if field_name else "UnprocessedItems", {})
        for table, value in held_back.items():
            if field_name:
                unprocessed.setdefault(table, {**value, "Keys": []})["Keys"].extend(value["Keys"])
            else:
                unprocessed.setdefault(table, []).extend(value)
        return status, self._cloud_form(json.dumps(answer).encode(), request.region)

    # --- streams -----------------------------------------------------------------------------------------

    def _streams(self, request: _Request) -> tuple[int, bytes]:
        status, data = self._forward(request)
        if request.operation != "GetRecords":
            return status, data
        if status == 400 and b"TrimmedDataAccessException" in data:
            status, data = self._from_trim_horizon(request, status, data)
        if status != 200:
            return status, data
        if b"REMOVE" not in data and b"UNKNOWN_TO_SDK_VERSION" not in data:
            return status, data
        match = _STREAM_TABLE.search(str(request.json().get("ShardIterator", "")))
        table = match.group(1) if match else ""
        answer = json.loads(data)
        changed = False
        for record in answer.get("Records", []):
            name = record.get("eventName")
            if name not in ("REMOVE", "UNKNOWN_TO_SDK_VERSION"):
                continue
            sequence = str(record.get("dynamodb", {}).get("SequenceNumber", ""))
            if name == "UNKNOWN_TO_SDK_VERSION" or self._is_ttl_removal(table, sequence, record):
                record["eventName"] = "REMOVE"
                record["userIdentity"] = dict(TTL_IDENTITY_API)
                changed = True
        return status, json.dumps(answer).encode() if changed else data

    def _from_trim_horizon(self, request: _Request, status: int, data: bytes) -> tuple[int, bytes]:
        """DynamoDB Local numbers stream records across all its shards, and an iterator taken on a shard before
        its first record points at a number that later lies before the shard's first record: GetRecords then
        answers TrimmedDataAccessException though nothing was trimmed (in memory, nothing ever is). Every record
        of the shard lies after the iterator's position, so reading from the shard's TRIM_HORIZON is what the
        iterator asked for."""
        iterator = _CLOUD_ARN.sub(_LOCAL_ARN_BYTES, str(request.json().get("ShardIterator", "")).encode()).decode()
        try:
            stream_arn, _version, encoded = iterator.split("|", 2)
            shard_id = base64.b64decode(encoded).decode().split("|", 1)[0]
        except (ValueError, UnicodeDecodeError):
            return status, data
        headers = {**request.headers, "X-Amz-Target": "DynamoDBStreams_20120810.GetShardIterator"}
        body = {"StreamArn": stream_arn, "ShardId": shard_id, "ShardIteratorType": "TRIM_HORIZON"}
        fresh_status, fresh = self._engine(headers, json.dumps(body).encode())
        if fresh_status != 200:
            return status, data
        retry = json.dumps({**request.json(), "ShardIterator": json.loads(fresh)["ShardIterator"]}).encode()
        return self._forward(request, retry)

    def _is_ttl_removal(self, table: str, sequence: str, record: dict[str, Any]) -> bool:
        with self._lock:
            if (table, sequence) in self._ttl_records:
                return True
            key = (table, json.dumps(record.get("dynamodb", {}).get("Keys", {}), sort_keys=True))
            pending = self._pending_ttl.get(key, 0)
            if not pending:
                return False
            if pending == 1:
                del self._pending_ttl[key]
            else:
                self._pending_ttl[key] = pending - 1
            self._ttl_records[(table, sequence)] = None
            while len(self._ttl_records) > 100_000:
                self._ttl_records.popitem(last=False)
            return True

    # --- TTL ---------------------------------------------------------------------------------------------

    def ttl_tables(self) -> dict[str, str]:
        with self._lock:
            return dict(self._ttl)

    def ttl_sweep(self, cutoff: float) -> dict[str, int]:
        """Delete every item whose TTL attribute (a Number of epoch seconds) is at or before ``cutoff``.

        Each deletion is conditional on the attribute still holding the value seen (an item renewed meanwhile
        stays), and its REMOVE record carries the TTL identity. Returns the deletions per table.
        """
        deleted: dict[str, int] = {}
        for table, attribute in self.ttl_tables().items():
            schema = self._schema(table)
            if schema is None:
                continue
            names = {"#ttl": attribute, **{f"#k{n}": key for n, key in enumerate(schema) if key is not None}}
            scan: dict[str, Any] = {
                "TableName": table,
                "FilterExpression": "#ttl <= :cutoff",
                "ProjectionExpression": ", ".join(names),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": {":cutoff": {"N": _number(cutoff)}},
            }
            streamed = "LatestStreamArn" in self.call("DescribeTable", {"TableName": table})["Table"]
            while True:
                try:
                    page = self.call("Scan", scan)
                except _Answer:
                    break  # the table went away
                for item in page.get("Items", []):
                    if "N" not in item.get(attribute, {}):
                        continue
                    key = {name: item[name] for name in schema if name is not None}
                    if self._delete_expired(table, key, attribute, item[attribute], streamed):
                        deleted[table] = deleted.get(table, 0) + 1
                if "LastEvaluatedKey" not in page:
                    break
                scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        self.counters.ttl_deleted += sum(deleted.values())
        return deleted

    def _delete_expired(
        self, table: str, key: dict[str, Any], attribute: str, expiry: dict[str, Any], streamed: bool
    ) -> bool:
        mark = (table, json.dumps(key, sort_keys=True))
        if streamed:  # noted before the delete: a stream reader may see its record before the delete answers
            with self._lock:
                self._pending_ttl[mark] = self._pending_ttl.get(mark, 0) + 1
        try:
            self.call(
                "DeleteItem",
                {
                    "TableName": table,
                    "Key": key,
                    "ConditionExpression": "#ttl = :seen",
                    "ExpressionAttributeNames": {"#ttl": attribute},
                    "ExpressionAttributeValues": {":seen": expiry},
                },
            )
            return True
        except _Answer:
            if streamed:
                with self._lock:
                    left = self._pending_ttl.get(mark, 0) - 1
                    if left > 0:
                        self._pending_ttl[mark] = left
                    else:
                        self._pending_ttl.pop(mark, None)
            return False

    # --- reset -------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Delete every table and forget everything kept here (a new cloud starts empty)."""
        start: dict[str, Any] = {}
        while True:
            page = self.call("ListTables", start)
            for name in page.get("TableNames", []):
                with contextlib.suppress(_Answer):  # gone meanwhile
                    self.call("DeleteTable", {"TableName": name})
            if "LastEvaluatedTableName" not in page:
                break
            start = {"ExclusiveStartTableName": page["LastEvaluatedTableName"]}
        with self._lock:
            for known in (self._schemas, self._ttl, self._tags, self._pitr, self._policies, self._held):
                known.clear()
            self._pending_ttl.clear()
            self._ttl_records.clear()
            self._throttled.clear()


@dataclass
class _Request:
    target: str
    operation: str
    streams: bool
    body: bytes
    headers: dict[str, str]
    region: str
    invocation: str | None
    attempt: int
    host: str
    probe: bool = False
    _json: dict[str, Any] | None = None

    def json(self) -> dict[str, Any]:
        if self._json is None:
            try:
                parsed = json.loads(self.body) if self.body else {}
            except ValueError:
                raise _error("SerializationException", "the request body is not JSON") from None
            self._json = parsed if isinstance(parsed, dict) else {}
        return self._json


def _attempt(header: str) -> int:
    """``amz-sdk-request: attempt=2; max=3`` -> 2 (1 when absent)."""
    match = re.search(r"attempt=(\d+)", header)
    return int(match.group(1)) if match else 1


def _table_name(name_or_arn: str) -> str:
    if name_or_arn.startswith("arn:"):
        return name_or_arn.split(":table/", 1)[-1].split("/", 1)[0]
    return name_or_arn


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


_LOCAL_HANDLERS: dict[str, Callable[[DynamoDBFront, _Request], dict[str, Any]]] = {
    "UpdateTimeToLive": DynamoDBFront._update_time_to_live,
    "DescribeTimeToLive": DynamoDBFront._describe_time_to_live,
    "TagResource": DynamoDBFront._tag_resource,
    "UntagResource": DynamoDBFront._untag_resource,
    "ListTagsOfResource": DynamoDBFront._list_tags,
    "DescribeContinuousBackups": DynamoDBFront._describe_continuous_backups,
    "UpdateContinuousBackups": DynamoDBFront._update_continuous_backups,
    "DescribeEndpoints": DynamoDBFront._describe_endpoints,
    "PutResourcePolicy": DynamoDBFront._put_resource_policy,
    "GetResourcePolicy": DynamoDBFront._get_resource_policy,
    "DeleteResourcePolicy": DynamoDBFront._delete_resource_policy,
}


# --- one front per engine --------------------------------------------------------------------------------

_fronts_lock = threading.Lock()
_fronts: dict[str, DynamoDBFront] = {}


def front_for(engine_endpoint: str) -> DynamoDBFront:
    """The front of the engine at this endpoint (every cloud of a process shares the engine, so the front)."""
    with _fronts_lock:
        front = _fronts.get(engine_endpoint)
        if front is None:
            _fronts.clear()  # an older engine has gone
            front = _fronts[engine_endpoint] = DynamoDBFront(engine_endpoint)
        return front
