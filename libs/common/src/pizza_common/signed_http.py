"""A small HTTP client for IAM-authorised Lambda function URLs: every request signed with SigV4.

    from pizza_common.signed_http import SignedHttp

    api = SignedHttp(outputs["api_url"])
    answer = api.post("/transactions", {"transactionId": "t-1", "items": [{"typeId": "ham", "quantity": 2}]})
    answer.status, answer.json()

Credentials come from the standard chain (environment, profile, role), as boto3 finds them. The region
is read from a function URL (``https://<url-id>.lambda-url.<region>.on.aws/``, or LocalStack's
``http://<url-id>.lambda-url.<region>.localhost.localstack.cloud:4566/``) when it is one, else from
``AWS_REGION`` / the profile. Signing uses botocore's ``SigV4Auth`` with service ``lambda`` (what an
``AWS_IAM`` function URL checks; the caller needs ``lambda:InvokeFunctionUrl`` and ``lambda:InvokeFunction``);
the request itself goes through ``urllib3`` (botocore's own HTTP library, so nothing else to install), on a
connection pool the process shares: connections are kept open between requests, as the SDK's are.

A :class:`SignedHttp` finds its credentials and region once, on its first request: a boto3 session made per request
costs about 5 ms (the credential chain and the SDK's data loader), more than the request itself on a local
cloud. Refreshable credentials (a role's, SSO's) stay fresh: they are read frozen at each signing.

A request that gets no answer (the connection refused or dropped, no answer in ``timeout``) raises
``ConnectionError`` or ``TimeoutError``, both ``OSError``: nothing is retried here, since only the caller knows
whether sending again is safe (every API of the pizza place is idempotent by the ids in its requests).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import boto3
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

__all__ = ["HttpAnswer", "SignedHttp", "signed_request"]

# AWS: https://<url-id>.lambda-url.<region>.on.aws/; LocalStack: http://<url-id>.lambda-url.<region>.localhost.localstack.cloud:4566/
_FUNCTION_URL_HOST = re.compile(r"^https?://[^./]+\.lambda-url\.([a-z0-9-]+)\.")
# The service an AWS_IAM function URL verifies signatures for.
SERVICE = "lambda"


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def _region_for(url: str, region: str | None) -> str:
    if region:
        return region
    match = _FUNCTION_URL_HOST.match(url)
    if match:
        return match.group(1)
    return boto3.session.Session().region_name or "us-east-1"


# One pool for the process, made at import (no connection is opened until a request): connections kept per host
# as many as the busiest caller's threads (a bench races 64 clients through one).
_POOL = urllib3.PoolManager(maxsize=64, retries=False)


def _default_credentials() -> Credentials:
    credentials = boto3.session.Session().get_credentials()
    if credentials is None:
        raise RuntimeError("no AWS credentials found to sign the request with (environment, profile or role)")
    return credentials


def signed_request(
    method: str,
    url: str,
    body: Any = None,
    *,
    region: str | None = None,
    credentials: Credentials | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> HttpAnswer:
    """Send one SigV4-signed request; ``body`` (if given) goes as JSON, or as it is if it is ``bytes`` (a test of
    what an API refuses). Any HTTP status is an answer, not an error.

    Without ``credentials``, they are looked up for this request alone: a caller sending many keeps a
    :class:`SignedHttp`, which looks them up once."""
    credentials = credentials or _default_credentials()
    data = None if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    request = AWSRequest(method=method, url=url, data=data, headers=dict(headers or {}))
    if data is not None:
        request.headers["Content-Type"] = "application/json"
    SigV4Auth(credentials.get_frozen_credentials(), SERVICE, _region_for(url, region)).add_auth(request)
    try:
        response = _POOL.request(
            method,
            url,
            body=data,
            headers=dict(request.headers.items()),
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            redirect=False,
        )
    except urllib3.exceptions.NewConnectionError as error:  # urllib3 files it under timeouts too
        raise ConnectionError(f"{method} {url}: {error}") from error
    except urllib3.exceptions.TimeoutError as error:
        raise TimeoutError(f"{method} {url}: no answer in {timeout} s") from error
    except urllib3.exceptions.HTTPError as error:
        raise ConnectionError(f"{method} {url}: {error}") from error
    return HttpAnswer(response.status, dict(response.headers.items()), response.data)


@dataclass(frozen=True)
class SignedHttp:
    """An API's base URL plus the signing settings; paths are joined to it (``/stock/ham``)."""

    base_url: str
    region: str | None = None
    credentials: Credentials | None = None
    timeout: float = 30

    def request(self, method: str, path: str, body: Any = None) -> HttpAnswer:
        url = self.base_url.rstrip("/") + "/" + path.lstrip("/")
        return signed_request(
            method, url, body, region=self._signing_region, credentials=self._signing_credentials, timeout=self.timeout
        )

    # Both found on the first request and kept (each lookup outside a function URL makes a boto3 session); a
    # lookup that finds no credentials raises, and is tried again next time.
    @cached_property
    def _signing_credentials(self) -> Credentials:
        return self.credentials or _default_credentials()

    @cached_property
    def _signing_region(self) -> str:
        return _region_for(self.base_url, self.region)

    def get(self, path: str) -> HttpAnswer:
        return self.request("GET", path)

    def post(self, path: str, body: Any) -> HttpAnswer:
        return self.request("POST", path, body)
