"""A supplier's delivery: a CSV file of ``typeId,quantity,expiresAt`` rows, read as a stream of bytes.

The file is never held whole: bytes arrive in chunks, lines are cut from them one at a time, and each line
becomes a :class:`Row` or a :class:`Rejection` with its line number (1-based, counting every physical
line, the header and blank lines included) and the reason.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from pizza_stock.domain.model import Batch, is_type_id, removal_instant

__all__ = [
    "HEADER",
    "MAX_LINE_BYTES",
    "DeliveryReport",
    "Rejection",
    "Row",
    "batch_for",
    "conflict_report",
    "delivery_id",
    "group_for_writing",
    "lines_of",
    "read_delivery",
]

HEADER = ("typeid", "quantity", "expiresat")
MAX_LINE_BYTES = 4096
_BOM = b"\xef\xbb\xbf"
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Row:
    line: int
    type_id: str
    quantity: int
    expires_at: date | datetime

    @property
    def removed_at(self) -> datetime:
        return removal_instant(self.expires_at)


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "reason": self.reason}


def delivery_id(bucket: str, key: str) -> str:
    """The object key identifies a delivery; its rows' batch ids derive from it (short, stable, opaque)."""
    return hashlib.sha256(f"{bucket}/{key}".encode()).hexdigest()[:16]


def batch_for(delivery: str, row: Row) -> Batch:
    """The batch a row becomes: its id is the delivery plus the line, so the same row is always the same batch."""
    return Batch(
        type_id=row.type_id,
        batch_id=f"{delivery}:{row.line}",
        quantity=row.quantity,
        remaining=row.quantity,
        removed_at=row.removed_at,
    )


def lines_of(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, bytes without the line ending)``; ``None`` for a line longer than MAX_LINE_BYTES.

    LF and CRLF endings; a UTF-8 byte order mark at the start is dropped. Chunks may split anywhere.
    """
    pending = b""
    number = 1
    too_long = False
    first = True
    for chunk in chunks:
        pending += chunk
        if first:
            if len(pending) < len(_BOM) and _BOM.startswith(pending):
                continue  # the mark may be split across chunks
            pending = pending.removeprefix(_BOM)
            first = False
        while True:
            end = pending.find(b"\n")
            if end < 0:
                if len(pending) > MAX_LINE_BYTES:
                    too_long, pending = True, b""  # keep memory bounded; the rest of the line is dropped
                break
            line, pending = pending[:end], pending[end + 1 :]
            yield number, None if too_long or len(line) > MAX_LINE_BYTES + 1 else line.removesuffix(b"\r")
            number, too_long = number + 1, False
    if first:
        pending = pending.removeprefix(_BOM)
    if pending or too_long:
        yield number, None if too_long else pending.removesuffix(b"\r")


def _parse_expiry(text: str) -> date | datetime | None:
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
        if _ISO_DATE.match(text) and "T" in text:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return None


def _fields(number: int, raw: bytes | None) -> list[str] | Rejection | None:
    """The stripped fields of a line, a rejection, or ``None`` for a blank line."""
    if raw is None:
        return Rejection(number, f"line is longer than {MAX_LINE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Rejection(number, "line is not valid UTF-8")
    if not text.strip():
        return None
    try:
        fields = [part.strip() for part in next(csv.reader([text], strict=True, skipinitialspace=True))]
    except csv.Error as error:
        return Rejection(number, f"line is not valid CSV: {error}")
    return fields


def _parse_row(number: int, fields: list[str], now: datetime) -> Row | Rejection:
    if len(fields) != 3:
        return Rejection(number, f"expected 3 columns (typeId,quantity,expiresAt), found {len(fields)}")
    type_id, quantity_text, expires_text = fields
    if not is_type_id(type_id):
        return Rejection(number, f"typeId {type_id!r} is not a lowercase slug (a-z, 0-9 and single hyphens)")
    if not _WHOLE_NUMBER.fullmatch(quantity_text):
        return Rejection(number, f"quantity {quantity_text!r} is not a positive whole number")
    quantity = int(quantity_text)
    if quantity <= 0:
        return Rejection(number, f"quantity must be positive, found {quantity}")
    expires_at = _parse_expiry(expires_text)
    if expires_at is None:
        return Rejection(number, f"expiresAt {expires_text!r} is not an ISO date (YYYY-MM-DD)")
    if removal_instant(expires_at) <= now:
        return Rejection(number, f"expiresAt {expires_text} is in the past")
    return Row(number, type_id, quantity, expires_at)


def read_delivery(chunks: Iterable[bytes], now: datetime) -> Iterator[Row | Rejection]:
    """Every row and rejection of a delivery file, in file order, read lazily from its byte chunks."""
    header_allowed = True  # only the first line that is not blank may be the header
    for number, raw in lines_of(chunks):
        fields = _fields(number, raw)
        if fields is None:
            continue
        if isinstance(fields, Rejection):
            yield fields
        elif not (header_allowed and tuple(part.lower() for part in fields) == HEADER):
            yield _parse_row(number, fields, now)
        header_allowed = False


@dataclass
class DeliveryReport:
    """What became of a delivery file; the same file always gives the same report."""

    bucket: str
    key: str
    etag: str
    uploads: int = 1  # uploads of this content under this key; only the first added anything
    accepted: int = 0
    quantities: dict[str, int] = field(default_factory=dict)
    rejected: list[Rejection] = field(default_factory=list)

    def count(self, parsed: Row | Rejection) -> None:
        if isinstance(parsed, Rejection):
            self.rejected.append(parsed)
        else:
            self.accepted += 1
            self.quantities[parsed.type_id] = self.quantities.get(parsed.type_id, 0) + parsed.quantity

    def as_dict(self) -> dict[str, object]:
        return {
            "status": "ingested",
            "bucket": self.bucket,
            "key": self.key,
            "etag": self.etag,
            "uploads": self.uploads,
            "accepted": self.accepted,
            "rejectedCount": len(self.rejected),
            "quantities": dict(sorted(self.quantities.items())),
            "rejected": [rejection.as_dict() for rejection in self.rejected],
        }


def conflict_report(bucket: str, key: str, etag: str, delivered_etag: str) -> dict[str, object]:
    """A changed file under a key already delivered: nothing of it is added."""
    return {
        "status": "conflict",
        "bucket": bucket,
        "key": key,
        "etag": etag,
        "accepted": 0,
        "deliveredEtag": delivered_etag,
        "message": (
            f"{key} was already delivered with different content (etag {delivered_etag}); "
            "nothing of this upload was added. Deliver new stock under a new key."
        ),
    }


def group_for_writing(rows: Iterable[Row], max_rows: int, max_items: int) -> Iterator[list[Row]]:
    """Rows in file order, in groups of at most ``max_rows``, whose rows plus distinct ingredients fit ``max_items``.

    One group is written as one atomic transaction: the batches and each ingredient's aggregate once.
    """
    group: list[Row] = []
    ingredients: set[str] = set()
    for row in rows:
        grows = 1 + (row.type_id not in ingredients)
        if group and (len(group) >= max_rows or len(group) + len(ingredients) + grows > max_items):
            yield group
            group, ingredients = [], set()
        group.append(row)
        ingredients.add(row.type_id)
    if group:
        yield group
