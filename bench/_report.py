"""How every benchmark reports: figures printed as a table, and written to ``bench/results/<name>.json``.

The file holds ``{"figures": {name: {"value": v, "unit": u}}, "baseline": {...}}``, the baseline being the raw
emulator rate measured in the same run, so figures from different runs and machines compare as ratios.
Not a benchmark itself: ``make bench`` skips files starting with ``_``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def percentile(values: Iterable[float], fraction: float) -> float:
    """The value ``fraction`` of the way through the sorted values (nearest rank: 0.5 the median, 1.0 the
    largest); NaN when there are none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else float("nan")


def figure(value: float, unit: str) -> dict[str, Any]:
    return {"value": round(value, 4 if abs(value) < 10 else 1), "unit": unit}


def report(name: str, title: str, figures: dict[str, Any], baseline: dict[str, Any]) -> Path:
    width = max(map(len, [*figures, *baseline])) + 9
    print(title)
    for key, value in {**figures, **{f"baseline {k}": v for k, v in baseline.items()}}.items():
        print(f"  {key:<{width}} {value['value']:>12} {value['unit']}")
    path = HERE / "results" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"figures": figures, "baseline": baseline}, indent=2) + "\n")
    print(f"written to {path.relative_to(HERE.parent)}")
    return path
