"""The pytest plugin runs the same tests against any target given by its outputs JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TARGET_TESTS = """
import os
import pytest

def test_the_handle_describes_the_external_target(localcloud):
    assert localcloud.is_local is False
    assert localcloud.cloud is None
    assert localcloud.endpoint == "http://127.0.0.1:9"
    assert localcloud.region == "eu-central-1"
    assert localcloud.service("library") == {"books_table": "library-books"}
    assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9"

def test_a_ttl_sweep_skips_the_test_on_a_target_that_is_not_ours(localcloud):
    localcloud.ttl_sweep()
    raise AssertionError("not reached")

@pytest.mark.localcloud_only
def test_a_localcloud_only_test_is_skipped():
    raise AssertionError("not reached")

def test_an_unknown_service_is_named(localcloud):
    with pytest.raises(KeyError, match="no service 'oven'"):
        localcloud.service("oven")
"""


@pytest.fixture
def external_outputs(tmp_path: Path) -> Path:
    path = tmp_path / "target.json"
    path.write_text(
        json.dumps(
            {
                "endpoint": "http://127.0.0.1:9",
                "region": "eu-central-1",
                "services": {"library": {"books_table": "library-books"}},
            }
        )
    )
    return path


def _pytest(directory: Path, *arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A separate pytest session (the plugin loads from its entry point, as in any project)."""
    (directory / "test_target.py").write_text(TARGET_TESTS)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "test_target.py", *arguments],
        cwd=directory,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def test_given_an_outputs_file_the_fixture_uses_that_target_and_skips_local_controls(
    tmp_path: Path, external_outputs: Path
) -> None:
    result = _pytest(tmp_path, f"--localcloud-outputs={external_outputs}")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed, 2 skipped" in result.stdout
    assert "needs the local cloud's TTL sweep" in result.stdout
    assert "needs the local cloud's own controls" in result.stdout


def test_the_outputs_file_can_come_from_the_environment(tmp_path: Path, external_outputs: Path) -> None:
    result = _pytest(tmp_path, env={"LOCALCLOUD_OUTPUTS": str(external_outputs)})

    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed, 2 skipped" in result.stdout
