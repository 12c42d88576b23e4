"""pytest plugin: a ``localcloud`` session fixture for integration tests, against the local cloud or any target.

By default the session starts a :class:`~localcloud.cloud.LocalCloud` in this process for the stacks of the
``localcloud.stacks`` entry points (override the ``localcloud_stacks`` fixture to choose others) and points
the test process at it (``AWS_ENDPOINT_URL``, region, test credentials).

``--localcloud-outputs PATH`` (or ``LOCALCLOUD_OUTPUTS``) runs the same tests against a target that is
already running: a ``localcloud up``, LocalStack or a real account, described by an outputs JSON of the
form ``{"endpoint": ..., "region": ..., "services": {...}}`` (``endpoint`` absent for AWS itself).
Tests that need the local cloud's own controls (TTL sweep) are skipped there with a clear reason, as are
tests marked ``localcloud_only``.

The cloud is as harsh as AWS by default: TTL deletes late (``--localcloud-ttl-lag``, ``--localcloud-ttl-interval``),
overlapping transactions conflict (``--localcloud-no-transaction-conflicts`` turns that off), SSE-KMS ETags are
not MD5s (``--localcloud-no-kms-etags``). ``--localcloud-chaos`` starts it with duplicate delivery (every event
reaches its function at least twice, Express executions run twice); ``--localcloud-chaos=throttle=0.1``
throttles that share of DynamoDB calls and answers that share of batch calls in part (repeatable), except a
test's own probes (``localcloud.client(...)``).

Imports of moto and the cloud are lazy: this module is loaded by every pytest session of the repo.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from localcloud.dynamodb_front import PROBE_HEADER

if TYPE_CHECKING:
    from localcloud.cloud import LocalCloud
    from localcloud.stack import Stack

__all__ = ["LocalCloudHandle"]

_ENV_OUTPUTS = "LOCALCLOUD_OUTPUTS"
_ENV_NAMES = (
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
)


@dataclass
class LocalCloudHandle:
    """What a test needs of its target: where it is, the services' outputs, and the local controls."""

    endpoint: str | None
    region: str
    outputs: dict[str, dict[str, Any]]  # {"<service>": {<output name>: value}}
    is_local: bool
    chaos: bool = False  # duplicate delivery
    throttle: float = 0.0  # the share of DynamoDB calls throttled
    cloud: LocalCloud | None = None
    outputs_path: Path | None = None
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def service(self, name: str) -> dict[str, Any]:
        """The outputs of one service (as its Terraform module names them)."""
        try:
            return self.outputs[name]
        except KeyError:
            raise KeyError(
                f"the target has no service {name!r} in its outputs (it has {sorted(self.outputs)})"
            ) from None

    def ttl_sweep(self, now: datetime | None = None) -> dict[str, int]:
        """Apply DynamoDB TTL as if the clock read ``now``; skips the test when the target is not ours."""
        if self.cloud is None:
            pytest.skip(
                "needs the local cloud's TTL sweep: the target "
                f"({self.outputs_path or self.endpoint}) deletes expired items on its own schedule"
            )
        return self.cloud.ttl_sweep(now)

    def client(self, service: str) -> Any:
        """A boto3 client for the target (cached per service): the test's probe, which the local cloud's chaos
        never throttles (it is there to fail the services under test, not the test's own reads)."""
        if service not in self._clients:
            import boto3

            client = boto3.session.Session().client(service, region_name=self.region, endpoint_url=self.endpoint)
            if self.is_local:
                client.meta.events.register("before-sign", _mark_as_probe)
            self._clients[service] = client
        return self._clients[service]


def _mark_as_probe(request: Any, **_: Any) -> None:
    request.headers[PROBE_HEADER] = "1"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("localcloud", "the local cloud (libs/localcloud)")
    group.addoption(
        "--localcloud-chaos",
        action="append",
        nargs="?",
        const="duplicates",
        default=[],
        metavar="duplicates|throttle=RATE",
        help="alone (or =duplicates): deliver every event at least twice, in different batch splits; "
        "=throttle=RATE: throttle that share of DynamoDB calls, answer that share of batch calls in part",
    )
    group.addoption(
        "--localcloud-ttl-lag",
        type=float,
        default=None,
        metavar="SECONDS",
        help="an expired item stays readable this long before the background sweep deletes it (default 30)",
    )
    group.addoption(
        "--localcloud-ttl-interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help="sweep expired items every N seconds of real time (0: never; default 5)",
    )
    group.addoption(
        "--localcloud-no-transaction-conflicts",
        action="store_true",
        default=False,
        help="never cancel overlapping transactions with TransactionConflict (on by default, as on AWS)",
    )
    group.addoption(
        "--localcloud-no-kms-etags",
        action="store_true",
        default=False,
        help="give SSE-KMS objects MD5 ETags (by default they are opaque, as on S3)",
    )
    group.addoption(
        "--localcloud-outputs",
        default=None,
        metavar="PATH",
        help=f"run against an already running target described by this outputs JSON (or ${_ENV_OUTPUTS})",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "localcloud_only: needs the local cloud's own controls (TTL sweep, chaos); skipped elsewhere"
    )


def _external_outputs(config: pytest.Config) -> Path | None:
    value = config.getoption("--localcloud-outputs", default=None) or os.environ.get(_ENV_OUTPUTS)
    return Path(value) if value else None


def pytest_runtest_setup(item: pytest.Item) -> None:
    outputs = _external_outputs(item.config)
    if outputs is not None and item.get_closest_marker("localcloud_only"):
        pytest.skip(f"needs the local cloud's own controls; the target is described by {outputs}")


@pytest.fixture(scope="session")
def localcloud_stacks() -> list[Stack]:
    """The stacks the session's local cloud runs: every ``localcloud.stacks`` entry point (prefix "pizza")."""
    from localcloud.discovery import entry_point_stacks

    return entry_point_stacks(prefix="pizza")


@pytest.fixture(scope="session")
def localcloud(request: pytest.FixtureRequest) -> Iterator[LocalCloudHandle]:
    """The target of the session's integration tests (see the module docstring)."""
    config = request.config
    from localcloud.cli import _chaos

    try:
        switches = _chaos(config.getoption("--localcloud-chaos", default=[]) or [])
    except Exception as error:
        raise pytest.UsageError(f"--localcloud-chaos: {error}") from None
    chaos = switches.duplicates
    external = _external_outputs(config)
    if external is not None:
        document = json.loads(external.read_text(encoding="utf-8"))
        endpoint = document.get("endpoint")
        region = document.get("region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        saved = {name: os.environ.get(name) for name in _ENV_NAMES}
        if endpoint:
            # An emulator (a localcloud up, LocalStack): point boto3 at it; keep real credentials if any.
            os.environ["AWS_ENDPOINT_URL"] = endpoint
            os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
            os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        if region:
            os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = region
        try:
            yield LocalCloudHandle(
                endpoint=endpoint,
                region=region or "us-east-1",
                outputs=document.get("services", {}),
                is_local=False,
                chaos=False,
                outputs_path=external,
            )
        finally:
            _restore(saved)
        return

    from localcloud.cloud import DEFAULT_TTL_LAG_SECONDS, DEFAULT_TTL_SWEEP_SECONDS, LocalCloud

    stacks = request.getfixturevalue("localcloud_stacks")
    lag = config.getoption("--localcloud-ttl-lag", default=None)
    interval = config.getoption("--localcloud-ttl-interval", default=None)
    # A directory of this session's own: two sessions of one checkout (tox runs 3.11 and 3.12 side by side)
    # must not write each other's outputs.json and logs. pytest keeps the last few sessions' for reading.
    state_dir = request.getfixturevalue("tmp_path_factory").mktemp("localcloud")
    config.stash[_LOGS_DIR] = state_dir / "logs"
    cloud = LocalCloud(
        stacks,
        state_dir=state_dir,
        chaos_duplicates=chaos,
        chaos_throttle=switches.throttle,
        ttl_lag_seconds=DEFAULT_TTL_LAG_SECONDS if lag is None else lag,
        ttl_sweep_interval=DEFAULT_TTL_SWEEP_SECONDS if interval is None else (interval or None),
        transaction_conflicts=not config.getoption("--localcloud-no-transaction-conflicts", default=False),
        kms_etags=not config.getoption("--localcloud-no-kms-etags", default=False),
    )
    cloud.start()
    saved = {name: os.environ.get(name) for name in _ENV_NAMES}
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": cloud.endpoint,
            "AWS_REGION": cloud.region,
            "AWS_DEFAULT_REGION": cloud.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
    )
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_PROFILE", None)
    try:
        yield LocalCloudHandle(
            endpoint=cloud.endpoint,
            region=cloud.region,
            outputs=cloud.outputs,
            is_local=True,
            chaos=chaos,
            throttle=switches.throttle,
            cloud=cloud,
            outputs_path=cloud.outputs_path,
        )
    finally:
        _restore(saved)
        config.stash[_MEMORY_AFTER_SUITE] = _memory_of_this_process()
        cloud.stop()


# The cloud runs in the test process, so its memory after the suite is a figure worth printing (never asserted).
_MEMORY_AFTER_SUITE = pytest.StashKey[dict[str, float]]()
_LOGS_DIR = pytest.StashKey[Path]()


def _memory_of_this_process() -> dict[str, float]:
    try:
        status = Path("/proc/self/status").read_text(encoding="utf-8")
    except OSError:
        return {}
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {name: int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM") if name in fields}


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    logs = config.stash.get(_LOGS_DIR, None)
    if logs is not None:
        terminalreporter.write_line(f"localcloud: function logs in {logs}")
    memory = config.stash.get(_MEMORY_AFTER_SUITE, None)
    if memory:
        terminalreporter.write_line(
            f"localcloud: test process with the cloud after the suite: {memory.get('VmRSS', 0):.0f} MiB resident, "
            f"peak {memory.get('VmHWM', 0):.0f} MiB (workers are separate processes)"
        )


def _restore(saved: dict[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
