"""What every benchmark that starts its own local cloud shares: pointing this process's boto3 clients at it.

Not a benchmark itself: ``make bench`` skips files starting with ``_``.
"""

from __future__ import annotations

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
