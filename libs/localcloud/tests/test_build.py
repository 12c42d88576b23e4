"""`make` installs DynamoDB Local, and stops with one clear line where there is no Java 17+."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def _fake_java(folder: Path, version: str) -> None:
    """A `java` that reports this specification version, as `java -XshowSettings:properties -version` does."""
    folder.mkdir(parents=True, exist_ok=True)
    java = folder / "java"
    java.write_text(f"#!/bin/sh\necho '    java.specification.version = {version}' >&2\n")
    java.chmod(0o755)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("version", ["11", None], ids=["java 11", "no java"])
def test_make_stops_with_one_line_when_java_17_is_missing(tmp_path: Path, version: str | None) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if version is not None:
        _fake_java(bin_dir, version)
    for tool in ("sh", "bash", "sed", "rm", "mkdir", "cp"):  # what the recipe needs besides Java
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)

    result = subprocess.run(
        [shutil.which("make") or "make", "-C", str(REPO), f"DYNAMODB_LOCAL={tmp_path / 'engine'}", "dynamodb-local"],
        env={**os.environ, "PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("make: DynamoDB Local needs")]
    assert len(errors) == 1, result.stderr
    assert "JDK 17+" in errors[0]
    assert f"found java {version or 'none'}" in errors[0]
    assert not (tmp_path / "engine").exists()  # nothing half-installed
