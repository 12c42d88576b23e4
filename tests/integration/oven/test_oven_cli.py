"""``python -m pizza_oven.cli``: send pizzas and follow them; one clear line when it cannot."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pizza_oven.cli", *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_the_cli_bakes_pizzas_and_prints_a_summary(localcloud):
    if localcloud.outputs_path is None:
        raise AssertionError("the target has no outputs file to give the CLI")
    result = _cli("--n", "5", "--baking-time", "1", "--outputs", str(localcloud.outputs_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("sent 5 pizzas")
    assert any(line.startswith("baked ") and "/5, in oven" in line for line in lines[1:-1])
    assert lines[-1].startswith("baked 5/5, duplicates 0, max in oven ")


def test_the_cli_says_in_one_line_that_there_are_no_outputs(tmp_path: Path):
    result = _cli("--n", "1", "--outputs", str(tmp_path / "missing.json"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: no outputs at {tmp_path / 'missing.json'}: start the local cloud (make up) or pass --outputs FILE "
        "(terraform output -json of deployments/oven)"
    ]


def test_the_cli_says_in_one_line_that_the_local_cloud_is_not_running(tmp_path: Path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    outputs = tmp_path / "outputs.json"
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:pizza-oven-baking"
    oven = {
        "new_items_queue_url": f"{endpoint}/123456789012/pizza-oven-new-items",
        "baked_items_queue_url": f"{endpoint}/123456789012/pizza-oven-baked-items.fifo",
        "oven_table": "pizza-oven-state",
        "bake_state_machine_arn": arn,
    }
    outputs.write_text(json.dumps({"endpoint": endpoint, "region": "us-east-1", "services": {"oven": oven}}))
    result = _cli("--n", "1", "--outputs", str(outputs))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: cannot reach the oven at {endpoint}/: is the local cloud running (make up)?"
    ]
