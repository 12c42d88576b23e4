"""Lambda function URLs on 127.0.0.1: each function URL is its own server, as each is its own host on AWS.

A function URL has no routes: every request reaches the function as a payload format 2.0 event (``routeKey``
``$default``, ``rawPath`` exactly as the client sent it) and the function routes by path itself. The
function's answer becomes the HTTP response with Lambda's rules: a dict with ``statusCode`` is the
response; any other value is a 200 JSON body. A function error or timeout is a 502, a request beyond what
the function can take at once (its concurrency plus a short queue) a 429, as Lambda throttles.

``AWS_IAM`` URLs refuse requests without a SigV4 ``Authorization`` header with 403. The signature itself is
not verified locally (there are no real credentials to verify it against); the caller's access key is
passed on in ``requestContext.authorizer.iam`` as Lambda does.

Under load the server answers every request: the listen backlog holds a burst of connections (the
standard library's default of 5 made the kernel reset connections when 16-32 clients posted at once), a
client that stalls mid-request gets a 408 after ``read_timeout`` seconds instead of holding a thread
forever, and at most ``max_in_flight`` requests wait for the function (the rest get a 429 at once).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from localcloud.contracts import Invoker
from localcloud.stack import FunctionUrl

__all__ = ["FunctionUrlGateway"]

_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form-urlencoded", "+json", "+xml")
# The kernel caps this at net.core.somaxconn (4096 on current kernels).
LISTEN_BACKLOG = 1024


def _is_text(content_type: str) -> bool:
    content_type = content_type.lower()
    return not content_type or any(marker in content_type for marker in _TEXT_TYPES)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG


class FunctionUrlGateway:
    """One function's URL: its own server on 127.0.0.1, a free port unless given."""

    def __init__(
        self,
        function: str,
        url: FunctionUrl,
        invoker: Invoker,
        *,
        region: str,
        account: str,
        port: int = 0,
        max_in_flight: int = 256,
        read_timeout: float = 30.0,
    ) -> None:
        self.function = function
        self.config = url
        self.invoker = invoker
        self.region = region
        self.account = account
        # The <url-id> of https://<url-id>.lambda-url.<region>.on.aws: 32 characters, stable per function.
        self.url_id = uuid.uuid5(uuid.NAMESPACE_DNS, function).hex
        self.read_timeout = read_timeout
        self._requested_port = port
        self._in_flight = threading.BoundedSemaphore(max_in_flight)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._count = threading.Lock()
        self.requests = 0
        self.throttled = 0

    @property
    def port(self) -> int:
        assert self._server is not None, "start the gateway first"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The base URL, ending in ``/`` as a function URL's does."""
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> str:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: with Nagle's algorithm on, a keep-alive client's
            # delayed ACK holds every answer back by about 40 ms.
            disable_nagle_algorithm = True
            # A socket timeout: a client that stops sending frees its thread (408), never blocks the server.
            timeout = gateway.read_timeout

            def handle_one_request(self) -> None:
                try:
                    super().handle_one_request()
                except (ConnectionError, TimeoutError):
                    self.close_connection = True

            def __getattr__(self, name: str) -> Any:
                if name.startswith("do_"):
                    return lambda: gateway._handle(self)
                raise AttributeError(name)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = _Server(("127.0.0.1", self._requested_port), Handler)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name=f"url-{self.function}", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- one request ---------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        with self._count:
            self.requests += 1
        request_id = str(uuid.uuid4())
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            self._send(request, 400, {"message": "Bad Request"}, request_id)
            return
        try:
            body = request.rfile.read(length) if length > 0 else b""
        except TimeoutError:
            request.close_connection = True
            self._send(request, 408, {"message": "Request Timeout"}, request_id)
            return
        if len(body) < length:  # the client went away mid-body
            request.close_connection = True
            return
        authorization = request.headers.get("Authorization", "")
        if self.config.authorization == "AWS_IAM" and not authorization.startswith("AWS4-HMAC-SHA256 "):
            self._send(request, 403, {"Message": "Forbidden"}, request_id)
            return
        if not self._in_flight.acquire(blocking=False):
            with self._count:
                self.throttled += 1
            self._send(request, 429, {"Message": "Rate Exceeded."}, request_id)
            return
        try:
            event = self.event(request, body, request_id)
            result = self.invoker.invoke(self.function, event)
        finally:
            self._in_flight.release()
        if not result.ok:
            # Lambda answers a function error or timeout behind a function URL with 502.
            self._send(request, 502, {"Message": "Internal Server Error"}, request_id)
        else:
            self._answer(request, result.payload, request_id)

    def event(self, request: BaseHTTPRequestHandler, body: bytes, request_id: str) -> dict[str, Any]:
        """The function URL payload format 2.0 event for this request."""
        split = urlsplit(request.path)
        headers: dict[str, str] = {}
        for name, value in request.headers.items():
            name = name.lower()
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        cookies = [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()]
        query: dict[str, str] = {}
        for name, value in parse_qsl(split.query, keep_blank_values=True):
            query[name] = f"{query[name]},{value}" if name in query else value
        now = datetime.now(UTC)
        context: dict[str, Any] = {
            "accountId": "anonymous" if self.config.authorization == "NONE" else self.account,
            "apiId": self.url_id,
            "domainName": f"{self.url_id}.lambda-url.{self.region}.on.aws",
            "domainPrefix": self.url_id,
            "http": {
                "method": request.command,
                "path": split.path or "/",
                "protocol": request.request_version,
                "sourceIp": request.client_address[0],
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        }
        if self.config.authorization == "AWS_IAM":
            context["authorizer"] = {"iam": self._iam_identity(headers.get("authorization", ""))}
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": split.path or "/",
            "rawQueryString": split.query,
            "headers": headers,
            "requestContext": context,
            "isBase64Encoded": False,
        }
        if cookies:
            event["cookies"] = cookies
        if query:
            event["queryStringParameters"] = query
        if body:
            if _is_text(headers.get("content-type", "")):
                try:
                    event["body"] = body.decode("utf-8")
                except UnicodeDecodeError:
                    event["body"] = base64.b64encode(body).decode()
                    event["isBase64Encoded"] = True
            else:
                event["body"] = base64.b64encode(body).decode()
                event["isBase64Encoded"] = True
        return event

    def _iam_identity(self, authorization: str) -> dict[str, Any]:
        credential = re.search(r"Credential=([^/,\s]+)", authorization)
        access_key = credential.group(1) if credential else ""
        return {
            "accessKey": access_key,
            "accountId": self.account,
            "callerId": access_key,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": f"arn:aws:iam::{self.account}:user/local",
            "userId": access_key,
        }

    def _answer(self, request: BaseHTTPRequestHandler, payload: Any, request_id: str) -> None:
        if not (isinstance(payload, dict) and "statusCode" in payload):
            # Lambda's rule for function URLs: anything but a response object is a 200 JSON body.
            body = payload if isinstance(payload, str) else json.dumps(payload)
            self._send_raw(request, 200, {"content-type": "application/json"}, [], body.encode(), request_id)
            return
        headers = {str(k).lower(): str(v) for k, v in (payload.get("headers") or {}).items()}
        raw = payload.get("body")
        if raw is None:
            data = b""
        elif payload.get("isBase64Encoded"):
            data = base64.b64decode(raw)
        else:
            data = (raw if isinstance(raw, str) else json.dumps(raw)).encode()
        headers.setdefault("content-type", "application/json")
        try:
            status = int(payload["statusCode"])
        except (TypeError, ValueError):
            self._send(request, 502, {"Message": "Internal Server Error"}, request_id)
            return
        self._send_raw(request, status, headers, list(payload.get("cookies") or []), data, request_id)

    def _send(self, request: BaseHTTPRequestHandler, status: int, body: Any, request_id: str) -> None:
        data = json.dumps(body).encode()
        self._send_raw(request, status, {"content-type": "application/json"}, [], data, request_id)

    def _send_raw(
        self,
        request: BaseHTTPRequestHandler,
        status: int,
        headers: dict[str, str],
        cookies: list[str],
        data: bytes,
        request_id: str,
    ) -> None:
        try:
            request.send_response(status)
            for name, value in headers.items():
                if name not in ("content-length", "connection", "transfer-encoding"):
                    request.send_header(name, value)
            for cookie in cookies:
                request.send_header("set-cookie", cookie)
            request.send_header("x-amzn-requestid", request_id)
            request.send_header("content-length", str(len(data)))
            if request.close_connection:
                request.send_header("connection", "close")
            request.end_headers()
            if request.command != "HEAD":
                request.wfile.write(data)
        except (ConnectionError, TimeoutError):
            request.close_connection = True  # the client left; nothing to answer
