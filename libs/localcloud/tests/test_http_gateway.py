"""The HTTP gateway behaves as API Gateway's HTTP API: payload 2.0 events in, Lambda proxy answers out."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from localcloud.gateway import Route, match_route
from localcloud.stack import HttpRoute


def _call(
    url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


@pytest.fixture(scope="module")
def api(outputs: dict[str, str]) -> str:
    return outputs["api_url"]


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


def test_the_functions_own_404_passes_through(api: str) -> None:
    status, _, body = _call(f"{api}/books/000-0")

    assert status == 404
    assert json.loads(body) == {"message": "no book 000-0"}


def test_a_request_that_matches_no_route_is_a_404_not_found(api: str) -> None:
    assert _call(f"{api}/authors/eco")[0::2] == (404, b'{"message": "Not Found"}')
    assert _call(f"{api}/books", "DELETE")[0] == 404


def test_the_event_has_the_payload_2_0_shape(api: str) -> None:
    status, _, body = _call(
        f"{api}/shelves/north/row/3?sort=title&sort=author&empty=",
        "PUT",
        b"moved",
        {"Content-Type": "text/plain", "X-Librarian": "Ada", "Cookie": "session=1; theme=dark"},
    )

    assert status == 200
    event = json.loads(body)  # the echo function answers with its event: a bare value is a 200 JSON body
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /shelves/{shelf}/{proxy+}"
    assert event["rawPath"] == "/shelves/north/row/3"
    assert event["rawQueryString"] == "sort=title&sort=author&empty="
    assert event["queryStringParameters"] == {"sort": "title,author", "empty": ""}
    assert event["pathParameters"] == {"shelf": "north", "proxy": "row/3"}
    assert event["headers"]["x-librarian"] == "Ada"
    assert event["headers"]["content-type"] == "text/plain"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["session=1", "theme=dark"]
    assert event["body"] == "moved" and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"]["method"] == "PUT"
    assert context["http"]["path"] == "/shelves/north/row/3"
    assert context["http"]["sourceIp"] == "127.0.0.1"
    assert context["routeKey"] == event["routeKey"] and context["stage"] == "$default"
    assert context["requestId"] and context["time"] and context["timeEpoch"] > 0


def test_a_binary_body_arrives_base64_encoded(api: str) -> None:
    status, _, body = _call(f"{api}/shelves/a/b", "POST", b"\x00\xff", {"Content-Type": "application/octet-stream"})

    event = json.loads(body)
    assert status == 200
    assert event["isBase64Encoded"] is True and event["body"] == "AP8="


def test_an_iam_route_refuses_an_unsigned_request_with_403(api: str) -> None:
    assert _call(f"{api}/private")[0::2] == (403, b'{"message": "Forbidden"}')


def test_an_iam_route_accepts_a_sigv4_signed_request_and_passes_the_caller_on(api: str) -> None:
    request = AWSRequest(method="GET", url=f"{api}/private", headers={})
    SigV4Auth(Credentials("AKIDLIBRARY", "secret"), "execute-api", "us-east-1").add_auth(request)

    status, _, body = _call(f"{api}/private", headers=dict(request.headers.items()))

    assert status == 200
    assert json.loads(body)["requestContext"]["authorizer"]["iam"]["accessKey"] == "AKIDLIBRARY"


def test_a_function_error_is_a_500(api: str) -> None:
    assert _call(f"{api}/broken")[0::2] == (500, b'{"message": "Internal Server Error"}')


def test_a_function_timeout_is_a_503(api: str) -> None:
    assert _call(f"{api}/slow")[0] == 503


def test_concurrent_clients_are_all_answered(api: str) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda n: _call(f"{api}/shelves/s/{n}"), range(16)))

    assert [status for status, _, _ in answers] == [200] * 16
    assert [json.loads(body)["pathParameters"]["proxy"] for _, _, body in answers] == [str(n) for n in range(16)]


def test_the_most_specific_route_wins_as_on_api_gateway() -> None:
    routes = [
        Route.of(HttpRoute(method="ANY", path="/{proxy+}", function="greedy", authorization="NONE")),
        Route.of(HttpRoute(method="GET", path="/books/{isbn}", function="param", authorization="NONE")),
        Route.of(HttpRoute(method="GET", path="/books/new", function="exact", authorization="NONE")),
        Route.of(HttpRoute(method="ANY", path="/books/{isbn}", function="any-param", authorization="NONE")),
    ]

    def chosen(method: str, path: str) -> str | None:
        matched = match_route(routes, method, path)
        return matched[0].function if matched else None

    assert chosen("GET", "/books/new") == "exact"
    assert chosen("GET", "/books/978-0") == "param"
    assert chosen("DELETE", "/books/978-0") == "any-param"
    assert chosen("GET", "/authors/eco/books") == "greedy"
    assert match_route(routes, "GET", "/books/978-0") == (routes[1], {"isbn": "978-0"})


def test_the_plain_count_answer_is_a_200_json_body(api: str, cloud: Any) -> None:
    status, headers, body = _call(f"{api}/plain")

    assert status == 200 and headers["content-type"] == "application/json"
    assert set(json.loads(body)) == {"invocations", "pid"}
