"""Where the pizza place runs: the outputs of its deployments, and AWS clients for them.

Two shapes are read:

- the local cloud's ``.localcloud/outputs.json``: ``{"endpoint": ..., "region": ..., "services": {"stock": {...}}}``;
  its clients go to that endpoint with the emulator's test credentials;
- ``terraform output -json`` of a deployment: ``{"api_url": {"value": ...}, ...}``, one file per deployment
  (stock, oven) or one merged file; its clients use the usual AWS credentials and region.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from pizza_place.errors import NO_TARGET, USAGE, CliError

__all__ = ["DEFAULT_STATE_DIR", "Target", "load_target"]

DEFAULT_STATE_DIR = Path(".localcloud")
_REGION_IN = re.compile(r"(?:arn:aws[a-z-]*:[a-z0-9-]+:|[./])([a-z]{2}(?:-gov)?-[a-z]+-\d)[.:]")
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=20)


@dataclass(frozen=True)
class Target:
    outputs: dict[str, str]
    source: str  # what the outputs were read from, for messages
    endpoint: str | None = None  # the local cloud's endpoint; None for AWS itself
    region: str | None = None
    _clients: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_local(self) -> bool:
        return self.endpoint is not None

    def output(self, name: str) -> str:
        try:
            return self.outputs[name]
        except KeyError:
            raise CliError(
                f"{self.source} has no output {name!r} (it has: {', '.join(sorted(self.outputs)) or 'none'})",
                NO_TARGET,
            ) from None

    def session(self) -> boto3.session.Session:
        if self.is_local:
            return boto3.session.Session(
                aws_access_key_id="testing", aws_secret_access_key="testing", region_name=self.region or "us-east-1"
            )
        return boto3.session.Session(region_name=self.region)

    def credentials(self) -> Any:
        credentials = self.session().get_credentials()
        if credentials is None:
            raise CliError("no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", NO_TARGET)
        return credentials

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session().client(service, endpoint_url=self.endpoint, config=_CONFIG)
        return self._clients[service]


def load_target(outputs_files: Sequence[Path] = (), state_dir: Path = DEFAULT_STATE_DIR) -> Target:
    """The target named by ``--outputs`` files, or else the local cloud started in ``state_dir``."""
    if not outputs_files:
        path = state_dir / "outputs.json"
        if not path.exists():
            raise CliError(f"no local cloud is running here ({path} not found): start one with `make up`", NO_TARGET)
        return _read(path)
    targets = [_read(path) for path in outputs_files]
    if len(targets) == 1:
        return targets[0]
    endpoints = {t.endpoint for t in targets}
    if len(endpoints) > 1:
        raise CliError("the --outputs files describe different clouds (local and AWS, or two endpoints)", USAGE)
    merged: dict[str, str] = {}
    for target in targets:
        merged.update(target.outputs)
    regions = [t.region for t in targets if t.region]
    return Target(merged, " + ".join(t.source for t in targets), endpoints.pop(), regions[0] if regions else None)


def _read(path: Path) -> Target:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CliError(f"{path}: no such file", NO_TARGET if path.name == "outputs.json" else USAGE) from None
    except (OSError, ValueError) as error:
        raise CliError(f"{path}: not a JSON outputs file ({error})", USAGE) from None
    if isinstance(document, dict) and isinstance(document.get("services"), dict):
        # No endpoint: the services' outputs of a real account (the integration tests' outputs shape).
        outputs = {
            name: str(value)
            for service in document["services"].values()
            if isinstance(service, dict)
            for name, value in service.items()
        }
        endpoint = document.get("endpoint")
        return Target(outputs, str(path), str(endpoint) if endpoint else None, document.get("region"))
    if isinstance(document, dict) and document and all(isinstance(v, dict) and "value" in v for v in document.values()):
        outputs = {name: str(value["value"]) for name, value in document.items()}
        return Target(outputs, str(path), None, _region_of(outputs))
    raise CliError(f"{path}: neither a local cloud's outputs.json nor the JSON of `terraform output -json`", USAGE)


def _region_of(outputs: dict[str, str]) -> str | None:
    """The region of a deployment, from its URLs and ARNs; None lets the AWS configuration decide."""
    if boto3.session.Session().region_name:
        return None
    for value in outputs.values():
        if match := _REGION_IN.search(value):
            return match.group(1)
    return None
