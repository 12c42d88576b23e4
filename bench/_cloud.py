"""What every benchmark that starts its own local cloud shares: pointing this process's boto3 clients at it, and
how many workers each function may run (``--concurrency``).

Not a benchmark itself: ``make bench`` skips files starting with ``_``.
"""

from __future__ import annotations

import argparse
import os
from typing import Any


def point_this_process_at(cloud: Any) -> None:
    """Make boto3 clients made from now on in this process reach ``cloud`` (a running ``LocalCloud``)."""
    os.environ.update(
        AWS_ENDPOINT_URL=cloud.endpoint,
        AWS_REGION=cloud.region,
        AWS_DEFAULT_REGION=cloud.region,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )


def add_concurrency_option(parser: argparse.ArgumentParser, default: int | None, why: str = "") -> None:
    """``--concurrency``: workers per function, as Lambda's concurrent executions; None keeps the local cloud's
    own default (4)."""
    shown = default if default is not None else "the local cloud's own, 4"
    parser.add_argument(
        "--concurrency",
        type=int,
        default=default,
        help=f"workers per function, as Lambda's concurrent executions (default: {shown}){why}",
    )


def concurrency_options(concurrency: int | None) -> dict[str, int]:
    """The ``LocalCloud`` keyword arguments for ``--concurrency`` (none: the local cloud's own default)."""
    return {"concurrency": concurrency} if concurrency else {}
