"""JSON read strictly: what Python's decoder accepts but JSON does not say, refused with a reason.

Python reads ``NaN`` and ``Infinity`` (not JSON; a NaN passes every ``>= 0`` check as False), keeps the last of
a name given twice in one object (JSON leaves it open: ``{"id": "a", "id": "b"}`` would be read as ``b`` with
no word of ``a``), and raises a bare ``ValueError`` on an integer of more than 4,300 digits. :func:`loads`
refuses each with :class:`NotStrictJson`, whose message says what is wrong; broken JSON still raises
``json.JSONDecodeError``. The HTTP bodies (``pizza_common.http.json_body``) and the oven's queue messages read
through it.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["NotStrictJson", "loads"]


class NotStrictJson(ValueError):
    """JSON text Python would read, but should not be taken as it reads it."""


def loads(text: str | bytes) -> Any:
    try:
        return json.loads(text, parse_constant=_not_a_json_number, object_pairs_hook=_object_with_unique_names)
    except (json.JSONDecodeError, NotStrictJson):
        raise
    except ValueError as error:  # Python refuses integers of more than 4,300 digits (sys.int_info)
        if "integer string conversion" not in str(error):
            raise
        raise NotStrictJson("a number of more than 4,300 digits") from None


def _not_a_json_number(name: str) -> Any:
    raise NotStrictJson(f"{name}, which is not a JSON number")


def _object_with_unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, value in pairs:
        if name in found:
            raise NotStrictJson(f"the name {name!r} twice in one object")
        found[name] = value
    return found
