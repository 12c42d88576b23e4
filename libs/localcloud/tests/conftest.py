"""localcloud's own tests run the sample stack (a small lending library) on one local cloud per session."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

SAMPLE = Path(__file__).resolve().parent / "sample"
sys.path.insert(0, str(SAMPLE))

from library_sample.stack import PREFIX  # noqa: E402
from library_sample.stack import stack as library_stack  # noqa: E402


@pytest.fixture(scope="session")
def localcloud_stacks() -> list[Any]:
    """The plugin's session cloud runs the sample stack instead of the installed services."""
    return [library_stack(PREFIX)]


@pytest.fixture(scope="session")
def cloud(localcloud: Any) -> Any:
    """The session's LocalCloud itself (started by the plugin's ``localcloud`` fixture)."""
    assert localcloud.cloud is not None, "localcloud's own tests need the local cloud, not an external target"
    return localcloud.cloud


@pytest.fixture(scope="session")
def outputs(localcloud: Any) -> dict[str, str]:
    return localcloud.service("library")  # type: ignore[no-any-return]
