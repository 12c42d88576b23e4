"""An HTTP API on 127.0.0.1 that behaves as API Gateway's HTTP API with Lambda proxy integrations.

Each request becomes a payload format 2.0 event; the function's answer becomes the HTTP response, with
API Gateway's rules: a dict with ``statusCode`` is taken as the response, any other value is a 200 JSON
body. No route is a 404 ``{"message":"Not Found"}``, a function error a 500, a timeout a 503.

Routes with ``authorization="AWS_IAM"`` refuse requests without a SigV4 ``Authorization`` header with 403.
The signature itself is not verified locally (there are no real credentials to verify it against); the
caller's access key is passed on in ``requestContext.authorizer.iam`` as API Gateway does.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from localcloud.contracts import Invoker
from localcloud.stack import HttpApi, HttpRoute

__all__ = ["HttpGateway", "Route", "match_route"]

_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form-urlencoded", "+json", "+xml")


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    authorization: str
    pattern: re.Pattern[str]
    # Lower sorts first: exact paths, then paths with parameters, then greedy ones; a method before ANY.
    rank: tuple[int, int, int, int]

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @classmethod
    def of(cls, route: HttpRoute) -> Route:
        parts = route.path.strip("/").split("/") if route.path.strip("/") else []
        regex, parameters, greedy = "", 0, 0
        for part in parts:
            if match := re.fullmatch(r"\{([A-Za-z0-9_.-]+)\+\}", part):
                regex += f"/(?P<{_group(match.group(1))}>.+)"
                greedy += 1
            elif match := re.fullmatch(r"\{([A-Za-z0-9_.-]+)\}", part):
                regex += f"/(?P<{_group(match.group(1))}>[^/]+)"
                parameters += 1
            else:
                regex += "/" + re.escape(part)
        rank = (greedy, parameters, -len(parts), 1 if route.method == "ANY" else 0)
        return cls(route.method, route.path, route.function, route.authorization, re.compile(f"{regex or '/'}/?"), rank)


def _group(name: str) -> str:
    # Regex group names must be identifiers; path parameter names may hold '.' or '-'.
    return "p_" + name.encode().hex()


def _ungroup(group: str) -> str:
    return bytes.fromhex(group.removeprefix("p_")).decode()


def match_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route API Gateway would choose for this request, with its path parameters."""
    for route in sorted(routes, key=lambda r: r.rank):
        if route.method not in (method, "ANY"):
            continue
        if match := route.pattern.fullmatch(path):
            return route, {_ungroup(name): value for name, value in match.groupdict().items()}
    return None


def _is_text(content_type: str) -> bool:
    content_type = content_type.lower()
    return not content_type or any(marker in content_type for marker in _TEXT_TYPES)


class HttpGateway:
    """One HTTP API: its own server on 127.0.0.1, a free port unless given."""

    def __init__(
        self,
        api: HttpApi,
        invoker: Invoker,
        *,
        region: str,
        account: str,
        port: int = 0,
    ) -> None:
        self.api = api
        self.invoker = invoker
        self.region = region
        self.account = account
        self.api_id = uuid.uuid5(uuid.NAMESPACE_DNS, api.name).hex[:10]
        self.routes = [Route.of(route) for route in api.routes]
        self._requested_port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.requests = 0

    @property
    def port(self) -> int:
        assert self._server is not None, "start the gateway first"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> str:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: with Nagle's algorithm on, a keep-alive client's
            # delayed ACK holds every answer back by about 40 ms.
            disable_nagle_algorithm = True

            def handle_one_request(self) -> None:
                try:
                    super().handle_one_request()
                except ConnectionError:
                    self.close_connection = True

            def __getattr__(self, name: str) -> Any:
                if name.startswith("do_"):
                    return lambda: gateway._handle(self)
                raise AttributeError(name)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self._requested_port), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name=f"gateway-{self.api.name}", daemon=True)
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
        self.requests += 1
        request_id = base64.b32encode(uuid.uuid4().bytes)[:16].decode()
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        split = urlsplit(request.path)
        matched = match_route(self.routes, request.command, split.path or "/")
        if matched is None:
            self._send(request, 404, {"message": "Not Found"}, request_id)
            return
        route, parameters = matched
        authorization = request.headers.get("Authorization", "")
        if route.authorization == "AWS_IAM" and not authorization.startswith("AWS4-HMAC-SHA256 "):
            self._send(request, 403, {"message": "Forbidden"}, request_id)
            return
        event = self.event(request, route, parameters, body, request_id)
        result = self.invoker.invoke(route.function, event)
        if result.timed_out:
            self._send(request, 503, {"message": "Service Unavailable"}, request_id)
        elif not result.ok:
            self._send(request, 500, {"message": "Internal Server Error"}, request_id)
        else:
            self._answer(request, result.payload, request_id)

    def event(
        self,
        request: BaseHTTPRequestHandler,
        route: Route,
        parameters: dict[str, str],
        body: bytes,
        request_id: str,
    ) -> dict[str, Any]:
        """The API Gateway HTTP API payload format 2.0 event for this request."""
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
        host = headers.get("host", f"127.0.0.1:{self.port}")
        context: dict[str, Any] = {
            "accountId": self.account,
            "apiId": self.api_id,
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {
                "method": request.command,
                "path": split.path,
                "protocol": request.request_version,
                "sourceIp": request.client_address[0],
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route.key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        }
        if route.authorization == "AWS_IAM":
            context["authorizer"] = {"iam": self._iam_identity(headers.get("authorization", ""))}
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route.key,
            "rawPath": split.path,
            "rawQueryString": split.query,
            "headers": headers,
            "requestContext": context,
            "isBase64Encoded": False,
        }
        if cookies:
            event["cookies"] = cookies
        if query:
            event["queryStringParameters"] = query
        if parameters:
            event["pathParameters"] = parameters
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
            "principalOrgId": None,
            "userArn": f"arn:aws:iam::{self.account}:user/local",
            "userId": access_key,
            "cognitoIdentity": None,
        }

    def _answer(self, request: BaseHTTPRequestHandler, payload: Any, request_id: str) -> None:
        if not (isinstance(payload, dict) and "statusCode" in payload):
            # API Gateway's rule for payload 2.0: anything but a response object is a 200 JSON body.
            body = payload if isinstance(payload, str) else json.dumps(payload)
            self._send_raw(request, 200, {"content-type": "application/json"}, [], body.encode(), request_id)
            return
        headers = {str(k).lower(): str(v) for k, v in (payload.get("headers") or {}).items()}
        for name, values in (payload.get("multiValueHeaders") or {}).items():
            headers[str(name).lower()] = ",".join(str(v) for v in values)
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
            self._send(request, 500, {"message": "Internal Server Error"}, request_id)
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
        request.send_response(status)
        for name, value in headers.items():
            if name not in ("content-length", "connection", "transfer-encoding"):
                request.send_header(name, value)
        for cookie in cookies:
            request.send_header("set-cookie", cookie)
        request.send_header("apigw-requestid", request_id)
        request.send_header("content-length", str(len(data)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(data)
