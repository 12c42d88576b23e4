"""Unit tests of the oven: the domain, the use cases over in-memory ports, the adapters against moto in process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# tests/fakes.py is imported as a plain module by the test files beside it.
sys.path.insert(0, str(Path(__file__).parent))

# Powertools reads these when pizza_common.observability is imported, before any test runs.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "oven")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CloudPizzaPlace")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
