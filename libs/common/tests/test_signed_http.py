"""The SigV4 HTTP client: what it sends, and that every HTTP status comes back as an answer."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from botocore.credentials import Credentials

from pizza_common import signed_http
from pizza_common.signed_http import SignedHttp, _region_for

CREDENTIALS = Credentials("AKIDEXAMPLE", "secret")


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps a connection open between requests, as the gateways do
    seen: list[dict[str, object]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.endswith("/slow"):
            time.sleep(1)  # longer than the client's timeout in the test that asks for it
        self.seen.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers),
                "body": body,
                "client": self.client_address,
            }
        )
        status = 409 if self.path.endswith("/conflict") else 200
        payload = json.dumps({"path": self.path}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Recorder.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_post_is_signed_for_lambda_and_carries_its_json_body(server):
    api = SignedHttp(server + "/", region="eu-west-1", credentials=CREDENTIALS)
    answer = api.post("/transactions", {"transactionId": "t-1"})
    assert (answer.status, answer.json()) == (200, {"path": "/transactions"})
    [seen] = _Recorder.seen
    authorization = seen["headers"]["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/lambda/aws4_request" in authorization
    assert "X-Amz-Date" in seen["headers"]
    assert json.loads(seen["body"]) == {"transactionId": "t-1"}


def test_an_error_status_is_an_answer_not_an_exception(server):
    answer = SignedHttp(server, region="eu-west-1", credentials=CREDENTIALS).get("/stock/conflict")
    assert answer.status == 409
    assert answer.json() == {"path": "/stock/conflict"}


def test_the_region_is_read_from_a_function_url():
    url = "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws/"
    assert _region_for(url, None) == "eu-central-1"
    assert _region_for(url, "us-west-2") == "us-west-2"
    localstack = "http://abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-west-2.localhost.localstack.cloud:4566/"
    assert _region_for(localstack, None) == "eu-west-2"


def test_credentials_and_region_are_found_once_and_a_connection_is_kept_between_requests(server, monkeypatch):
    looked_up = []

    def lookup() -> Credentials:
        looked_up.append(1)
        return CREDENTIALS

    sessions = []

    class Session:  # where the region is looked up when the URL is not a function URL's
        region_name = "eu-west-1"

        def __init__(self) -> None:
            sessions.append(1)

    monkeypatch.setattr(signed_http, "_default_credentials", lookup)
    monkeypatch.setattr(signed_http.boto3.session, "Session", Session)
    api = SignedHttp(server)
    assert [api.get(f"/stock/{n}").status for n in range(3)] == [200, 200, 200]
    assert (len(looked_up), len(sessions)) == (1, 1)  # a boto3 session per request cost about 5 ms each
    assert len({seen["client"] for seen in _Recorder.seen}) == 1  # one connection, kept open
    assert all(seen["headers"]["Authorization"].startswith("AWS4-HMAC-SHA256") for seen in _Recorder.seen)


def test_no_answer_is_an_oserror_naming_the_request(server):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(ConnectionError, match=re.escape(f"GET http://127.0.0.1:{port}/stock")):
        SignedHttp(f"http://127.0.0.1:{port}", region="eu-west-1", credentials=CREDENTIALS).get("/stock")
    with pytest.raises(TimeoutError, match=re.escape("no answer in 0.2 s")):
        SignedHttp(server, region="eu-west-1", credentials=CREDENTIALS, timeout=0.2).get("/stock/slow")
