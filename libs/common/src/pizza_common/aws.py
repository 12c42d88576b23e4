"""boto3 clients shared by a warm Lambda, with timeouts that fit inside the function's own.

boto3 itself honours ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_<SERVICE>`` (for example
``AWS_ENDPOINT_URL_DYNAMODB``), so the same code talks to AWS, the local cloud or LocalStack with no
"am I local" branch: the environment decides.

The SDK's defaults (60 s read timeout; here once 30 s x 5 attempts) can outlast a 30 s function, which is
then killed mid-call with nothing logged. :func:`client_config` derives the connect and read timeouts and
the number of attempts from the function's timeout (``FUNCTION_TIMEOUT_SECS``, set by Terraform and
``stack.py`` from the same value as the function's ``timeout``) so that every attempt, with the SDK's
backoff between them, ends within 80 % of it.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

__all__ = ["DEFAULT_FUNCTION_TIMEOUT_SECS", "client", "client_config", "function_timeout_secs"]

# Lambda tells a function its remaining time, never its timeout: the deployment passes it in the environment.
FUNCTION_TIMEOUT_ENV = "FUNCTION_TIMEOUT_SECS"
DEFAULT_FUNCTION_TIMEOUT_SECS = 30.0
_SHARE = 0.8  # of the function's time, for the SDK's attempts and pauses; the rest is the handler's
_MAX_CONNECT_SECS = 2.0
_MAX_READ_SECS = 20.0  # no call the services make takes longer (SQS long polls wait at most a few seconds)


def function_timeout_secs() -> float:
    """The function's timeout from ``FUNCTION_TIMEOUT_SECS``, else 30 s (outside Lambda: scripts, tests)."""
    value = os.environ.get(FUNCTION_TIMEOUT_ENV)
    return float(value) if value else DEFAULT_FUNCTION_TIMEOUT_SECS


def _worst_backoff(attempts: int) -> float:
    # botocore's standard mode pauses up to 1, 2, 4 ... s (random * 2**(n-1), at most 20) between attempts.
    return float(sum(min(20, 2 ** (n - 1)) for n in range(1, attempts)))


def client_config(timeout_secs: float) -> Config:
    """Connect/read timeouts and attempts such that attempts x (connect + read) + backoff <= 80 % of the timeout.

    Three attempts where they fit, fewer for very short functions; a read timeout of at least 1 s.
    """
    budget = timeout_secs * _SHARE
    for attempts in (3, 2, 1):
        per_attempt = (budget - _worst_backoff(attempts)) / attempts
        if per_attempt >= 1.5 or attempts == 1:
            break
    connect = max(0.5, min(_MAX_CONNECT_SECS, per_attempt / 4))
    read = max(1.0, min(_MAX_READ_SECS, per_attempt - connect))
    return Config(
        retries={"mode": "standard", "total_max_attempts": attempts},
        connect_timeout=connect,
        read_timeout=read,
        tcp_keepalive=True,
    )


@cache
def client(service_name: str) -> Any:
    """One client per service per process, created on first use and reused while warm."""
    return boto3.session.Session().client(service_name, config=client_config(function_timeout_secs()))
