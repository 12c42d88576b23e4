"""boto3 clients shared by a warm Lambda.

boto3 itself honours ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_<SERVICE>`` (for example
``AWS_ENDPOINT_URL_DYNAMODB``), so the same code talks to AWS, the local cloud or LocalStack with no
"am I local" branch: the environment decides.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

__all__ = ["client"]

# Standard retry mode backs off on throttling and retries transient 5xx answers, on AWS and locally alike.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)


@cache
def client(service_name: str) -> Any:
    """One client per service per process, created on first use and reused while warm."""
    return boto3.session.Session().client(service_name, config=_CONFIG)
