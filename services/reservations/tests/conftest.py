"""Tests of the reservations service in tiers: unit (domain, use cases on fakes), adapters (moto), contract."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# tests/fakes.py is imported as a plain module by the test files below it.
sys.path.insert(0, str(Path(__file__).parent))

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "reservations")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CloudPizzaPlace")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
