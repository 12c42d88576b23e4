"""Powertools reads these when pizza_common.observability is first imported, whichever test imports it."""

from __future__ import annotations

import os

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "common")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CloudPizzaPlace")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
