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
the request itself goes through ``urllib``, so there is nothing else to install.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import boto3
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
    """Send one SigV4-signed request; ``body`` (if given) goes as JSON. Any HTTP status is an answer, not an error."""
    credentials = credentials or boto3.session.Session().get_credentials()
    if credentials is None:
        raise RuntimeError("no AWS credentials found to sign the request with (environment, profile or role)")
    data = None if body is None else json.dumps(body).encode()
    request = AWSRequest(method=method, url=url, data=data, headers=dict(headers or {}))
    if data is not None:
        request.headers["Content-Type"] = "application/json"
    SigV4Auth(credentials.get_frozen_credentials(), SERVICE, _region_for(url, region)).add_auth(request)
    prepared = urllib.request.Request(url, data=data, method=method, headers=dict(request.headers.items()))
    try:
        with urllib.request.urlopen(prepared, timeout=timeout) as response:
            return HttpAnswer(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return HttpAnswer(error.code, dict(error.headers.items()), error.read())


@dataclass(frozen=True)
class SignedHttp:
    """An API's base URL plus the signing settings; paths are joined to it (``/stock/ham``)."""

    base_url: str
    region: str | None = None
    credentials: Credentials | None = None
    timeout: float = 30

    def request(self, method: str, path: str, body: Any = None) -> HttpAnswer:
        url = self.base_url.rstrip("/") + "/" + path.lstrip("/")
        return signed_request(method, url, body, region=self.region, credentials=self.credentials, timeout=self.timeout)

    def get(self, path: str) -> HttpAnswer:
        return self.request("GET", path)

    def post(self, path: str, body: Any) -> HttpAnswer:
        return self.request("POST", path, body)
