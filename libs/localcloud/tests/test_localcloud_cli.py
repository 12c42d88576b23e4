"""The ``localcloud`` command: up --detach, status, ttl-sweep and down, on a cloud in its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

SAMPLE = Path(__file__).resolve().parent / "sample"


def _localcloud(state_dir: Path, *arguments: str, timeout: float = 150) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SAMPLE), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "localcloud.cli", "--state-dir", str(state_dir), *arguments],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def _gone(pid: int, deadline_seconds: float = 10) -> bool:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def state_dir(tmp_path: Path) -> Any:
    yield tmp_path
    pid_file = tmp_path / "localcloud.pid"
    if pid_file.exists():  # a failed test must not leave its cloud running
        _localcloud(tmp_path, "down")


def test_up_detached_then_status_ttl_sweep_and_down(state_dir: Path) -> None:
    up = _localcloud(
        state_dir, "up", "--port", "0", "--stack", "library_sample.stack:stack", "--prefix", "clitest", "--detach"
    )
    assert up.returncode == 0, up.stderr + up.stdout
    outputs = json.loads((state_dir / "outputs.json").read_text())
    assert f"localcloud is up at {outputs['endpoint']}" in up.stdout
    pid = int((state_dir / "localcloud.pid").read_text())
    assert outputs["services"]["library"]["books_table"] == "clitest-books"

    status = _localcloud(state_dir, "status")
    assert status.returncode == 0, status.stderr
    assert f"at {outputs['endpoint']}" in status.stdout
    assert "clitest-count: 0/4 workers" in status.stdout

    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=outputs["endpoint"],
        region_name=outputs["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    for isbn, expires_at in (("due", "1893456000"), ("later", "1893456001")):  # 2030-01-01T00:00:00Z and 1 s after
        dynamodb.put_item(
            TableName="clitest-books",
            Item={"isbn": {"S": isbn}, "title": {"S": isbn}, "expires_at": {"N": expires_at}},
        )
    sweep = _localcloud(state_dir, "ttl-sweep", "--now", "2030-01-01T00:00:00Z")
    assert sweep.returncode == 0, sweep.stderr
    assert "1 expired item deleted" in sweep.stdout and "clitest-books: 1" in sweep.stdout
    left = {item["isbn"]["S"] for item in dynamodb.scan(TableName="clitest-books")["Items"]}
    assert "due" not in left and "later" in left

    down = _localcloud(state_dir, "down")
    assert down.returncode == 0 and f"(pid {pid}) stopped" in down.stdout
    assert _gone(pid)
    assert not (state_dir / "localcloud.pid").exists()
    after = _localcloud(state_dir, "status")
    assert after.returncode == 3 and "not running" in after.stdout


def test_commands_on_a_stopped_cloud_say_so_in_one_line(state_dir: Path) -> None:
    sweep = _localcloud(state_dir, "ttl-sweep")

    assert sweep.returncode == 1
    assert sweep.stderr.strip().startswith("localcloud: localcloud is not running")
    assert "Traceback" not in sweep.stderr
    assert _localcloud(state_dir, "down").stdout.strip() == "localcloud is not running"


def test_a_bad_stack_name_fails_up_with_a_clear_message(state_dir: Path) -> None:
    up = _localcloud(state_dir, "up", "--port", "0", "--stack", "no_such_module:stack", "--detach")

    assert up.returncode == 1
    assert "localcloud exited while starting" in up.stderr
    assert "No module named 'no_such_module'" in up.stderr
