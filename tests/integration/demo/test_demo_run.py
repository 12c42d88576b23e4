"""``pizza demo --no-tty``: the whole pizza place on its own local cloud, held to its invariants.

It starts its own cloud (as ``make demo`` does), so it runs only where the session's target is the local
cloud; in the chaos layer the demo's cloud delivers every event at least twice as well.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DURATION_SECS = 20


@pytest.mark.localcloud_only
def test_the_demo_runs_twenty_seconds_and_every_invariant_holds(request, tmp_path):
    command = [str(Path(sys.executable).parent / "pizza"), "demo", "--duration", str(DURATION_SECS), "--no-tty"]
    command += ["--demo-dir", str(tmp_path / "demo-cloud"), "--seed", "6"]
    if request.config.getoption("--localcloud-chaos"):
        command.append("--chaos")
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert result.stderr == ""
    summary = result.stdout[result.stdout.index("== the pizza place after") :].splitlines()
    assert [line.split()[0] for line in summary[1:6]] == ["deliveries", "orders", "baked", "expired", "final"]
    accepted = int(summary[2].split("accepted ")[1].split(",")[0])
    assert accepted > 0 and summary[3].startswith(f"baked        {accepted} of {accepted} accepted")
    assert summary[-1].startswith("invariants held")
