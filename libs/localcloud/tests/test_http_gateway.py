"""Function URLs behave as Lambda's: payload 2.0 events in (``$default``, the raw path), Lambda's answers out.

The first tests run the sample stack's function URLs on the session's local cloud; the last ones start a
:class:`FunctionUrlGateway` on its own with a scripted invoker, to pin down load behaviour deterministically.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from localcloud.contracts import InvokeResult
from localcloud.gateway import FunctionUrlGateway
from localcloud.stack import FunctionUrl


def _call(
    url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def _signed_headers(url: str, method: str = "GET", body: bytes | None = None) -> dict[str, str]:
    request = AWSRequest(method=method, url=url, data=body, headers={})
    SigV4Auth(Credentials("AKIDLIBRARY", "secret"), "lambda", "us-east-1").add_auth(request)
    return dict(request.headers.items())


@pytest.fixture(scope="module")
def api(outputs: dict[str, str]) -> str:
    return outputs["api_url"].rstrip("/")


def test_a_function_url_is_a_base_url_of_its_own(outputs: dict[str, str]) -> None:
    urls = [outputs[name] for name in ("api_url", "echo_url", "whoami_url", "fail_url", "sleep_url", "count_url")]

    assert all(url.startswith("http://127.0.0.1:") and url.endswith("/") for url in urls)
    assert len({urlsplit(url).port for url in urls}) == len(urls)


def test_a_get_with_a_path_parameter_reaches_the_function_and_returns_its_json(api: str) -> None:
    status, headers, body = _call(f"{api}/books/978-0")

    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"isbn": "978-0", "title": "The Name of the Rose"}


def test_a_posted_json_body_is_stored_and_can_be_read_back(api: str) -> None:
    book = {"isbn": "978-5", "title": "If on a winter's night a traveler"}

    status, _, body = _call(f"{api}/books", "POST", json.dumps(book).encode(), {"Content-Type": "application/json"})
    read_status, _, read_body = _call(f"{api}/books/978-5")

    assert status == 201 and json.loads(body) == book
    assert read_status == 200 and json.loads(read_body) == book


def test_the_functions_own_404s_pass_through(api: str) -> None:
    status, _, body = _call(f"{api}/books/000-0")

    assert status == 404
    assert json.loads(body) == {"message": "no book 000-0"}
    # No route table in front of a function URL: the function's resolver answers unknown paths itself.
    assert _call(f"{api}/authors/eco")[0] == 404


def test_the_event_has_the_function_url_payload_2_0_shape(outputs: dict[str, str], cloud: Any) -> None:
    base = outputs["echo_url"].rstrip("/")
    status, _, body = _call(
        f"{base}/shelves/north/row/3?sort=title&sort=author&empty=",
        "PUT",
        b"moved",
        {"Content-Type": "text/plain", "X-Librarian": "Ada", "Cookie": "session=1; theme=dark"},
    )

    assert status == 200
    event = json.loads(body)  # the echo function answers with its event: a bare value is a 200 JSON body
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/shelves/north/row/3"
    assert event["rawQueryString"] == "sort=title&sort=author&empty="
    assert event["queryStringParameters"] == {"sort": "title,author", "empty": ""}
    assert "pathParameters" not in event
    assert event["headers"]["x-librarian"] == "Ada"
    assert event["headers"]["content-type"] == "text/plain"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["session=1", "theme=dark"]
    assert event["body"] == "moved" and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"]["method"] == "PUT"
    assert context["http"]["path"] == "/shelves/north/row/3"
    assert context["http"]["sourceIp"] == "127.0.0.1"
    assert context["routeKey"] == "$default" and context["stage"] == "$default"
    assert context["domainName"] == f"{context['apiId']}.lambda-url.{cloud.region}.on.aws"
    assert context["domainPrefix"] == context["apiId"] and len(context["apiId"]) == 32
    assert "authorizer" not in context  # auth NONE
    assert context["requestId"] and context["time"] and context["timeEpoch"] > 0


def test_a_binary_body_arrives_base64_encoded(outputs: dict[str, str]) -> None:
    status, _, body = _call(
        outputs["echo_url"] + "a/b", "POST", b"\x00\xff", {"Content-Type": "application/octet-stream"}
    )

    event = json.loads(body)
    assert status == 200
    assert event["isBase64Encoded"] is True and event["body"] == "AP8="


def test_an_iam_url_refuses_an_unsigned_request_with_403(outputs: dict[str, str]) -> None:
    assert _call(outputs["whoami_url"])[0::2] == (403, b'{"Message": "Forbidden"}')


def test_an_iam_url_accepts_a_request_signed_for_lambda_and_passes_the_caller_on(
    outputs: dict[str, str], cloud: Any
) -> None:
    url = outputs["whoami_url"] + "me"

    status, _, body = _call(url, headers=_signed_headers(url))

    assert status == 200
    iam = json.loads(body)["requestContext"]["authorizer"]["iam"]
    assert iam["accessKey"] == "AKIDLIBRARY" and iam["accountId"] == cloud.account


def test_a_function_error_is_a_502(outputs: dict[str, str]) -> None:
    assert _call(outputs["fail_url"])[0::2] == (502, b'{"Message": "Internal Server Error"}')


def test_a_function_timeout_is_a_502(outputs: dict[str, str]) -> None:
    assert _call(outputs["sleep_url"])[0] == 502


def test_the_plain_count_answer_is_a_200_json_body(outputs: dict[str, str]) -> None:
    status, headers, body = _call(outputs["count_url"])

    assert status == 200 and headers["content-type"] == "application/json"
    assert set(json.loads(body)) == {"invocations", "pid"}


# --- under load ----------------------------------------------------------------------------------------


def _raw_post(url: str, body: bytes, *, slow: bool, start: threading.Barrier) -> int:
    """POST as urllib does, or, for a slow client, over a raw socket dribbling headers and body out over a second."""
    split = urlsplit(url)
    head = (
        f"POST {split.path or '/'} HTTP/1.1\r\nHost: {split.netloc}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    start.wait(timeout=30)
    if not slow:
        return _call(url, "POST", body, {"Content-Type": "application/json"})[0]
    with socket.create_connection((split.hostname, split.port), timeout=60) as connection:
        for piece in (head[:10], head[10:], body[:2], body[2:]):
            connection.sendall(piece)
            time.sleep(0.25)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status_line = answer.split(b"\r\n", 1)[0].decode()
    return int(status_line.split()[1])


def test_64_concurrent_clients_slow_ones_included_are_all_answered(outputs: dict[str, str]) -> None:
    # Before: the listen backlog of 5 reset connections when 16-32 clients posted at once.
    clients = 64
    start = threading.Barrier(clients)
    url = outputs["echo_url"]  # reserved concurrency 2: the requests queue behind two workers

    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [
            pool.submit(_raw_post, url, json.dumps({"n": n}).encode(), slow=n % 4 == 0, start=start)
            for n in range(clients)
        ]
        statuses = [future.result(timeout=120) for future in futures]  # a reset would raise here

    assert len(statuses) == clients
    assert set(statuses) <= {200, 429}, statuses
    assert statuses.count(200) >= clients // 2  # throttling is a last resort, not the rule


class _ScriptedInvoker:
    """Answers every invocation with the event, after ``release`` is set."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Semaphore(0)

    def invoke(self, function: str, event: Any) -> InvokeResult:
        self.entered.release()
        self.release.wait(timeout=30)
        return InvokeResult(function, True, {"statusCode": 200, "body": event.get("body", "")}, 1.0)


@pytest.fixture
def lone_gateway() -> Any:
    invoker = _ScriptedInvoker()
    gateway = FunctionUrlGateway(
        "lone",
        FunctionUrl(authorization="NONE"),
        invoker,
        region="us-east-1",
        account="000000000000",
        max_in_flight=2,
        read_timeout=0.5,
    )
    gateway.start()
    yield gateway, invoker
    invoker.release.set()
    gateway.stop()


def test_a_client_that_stalls_mid_body_gets_a_408_and_blocks_nobody(lone_gateway: Any) -> None:
    gateway, invoker = lone_gateway
    invoker.release.set()
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as stalled:
        stalled.sendall(b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"half":')
        assert _call(gateway.url, "POST", b"ok")[0::2] == (200, b"ok")  # served while the other one stalls
        answer = stalled.recv(65536)

    assert answer.startswith(b"HTTP/1.1 408 ")


def test_requests_beyond_what_the_function_can_take_get_a_429_not_a_reset(lone_gateway: Any) -> None:
    gateway, invoker = lone_gateway
    with ThreadPoolExecutor(max_workers=2) as pool:
        waiting = [pool.submit(_call, gateway.url, "POST", b"w") for _ in range(2)]
        for _ in range(2):
            assert invoker.entered.acquire(timeout=10)  # both in flight, held by the invoker
        connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
        connection.request("POST", "/", body=b"over")
        over = connection.getresponse()
        assert (over.status, json.loads(over.read())) == (429, {"Message": "Rate Exceeded."})
        connection.close()
        invoker.release.set()
        assert [future.result(timeout=10)[0] for future in waiting] == [200, 200]
    assert gateway.throttled == 1
