"""Static checks of the Terraform under terraform/: every module and deployment found there, by glob."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tf_schema


@pytest.fixture(scope="session")
def provider_schema() -> dict[str, Any]:
    return tf_schema.load_schema()
