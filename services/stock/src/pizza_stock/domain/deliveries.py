"""A supplier's delivery: a CSV file of ``typeId,quantity,expiresAt`` rows, read as a stream of bytes.

The file is never held whole: bytes arrive in chunks, lines are cut from them one at a time, and each line
becomes a :class:`Row` or a :class:`Rejection` with its line number (1-based, counting every physical
line, the header and blank lines included) and the reason. Nothing in a line can stop the lines after it.

Limits (each tested at its edge):

- a file of at most ``MAX_DELIVERY_BYTES`` (8 MiB); a larger one is refused whole, with a report saying so;
- a line of at most ``MAX_LINE_BYTES`` (4096) bytes without its line ending;
- a quantity is a whole number from 1 to ``MAX_ROW_QUANTITY`` (1,000,000,000), leading zeros allowed;
- ``expiresAt`` is a date ``YYYY-MM-DD`` up to ``9999-12-31`` (suppliers' "never expires"), or a date and
  time ``YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]``; it must be in the future.
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
    "MAX_DELIVERY_BYTES",
    "MAX_LINE_BYTES",
    "MAX_ROW_QUANTITY",
    "Delivery",
    "DeliveryConflict",
    "DeliveryReport",
    "RefusedRow",
    "Rejection",
    "Row",
    "batch_for",
    "lines_of",
    "read_delivery",
]

HEADER = ("typeid", "quantity", "expiresat")
MAX_DELIVERY_BYTES = 8 * 1024 * 1024
MAX_LINE_BYTES = 4096
MAX_ROW_QUANTITY = 1_000_000_000
_BOM = b"\xef\xbb\xbf"
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Delivery:
    """A file in the deliveries bucket: its key identifies the delivery, its checksum its content."""

    bucket: str
    key: str

    @property
    def delivery_id(self) -> str:
        """Short, stable and opaque; the batch ids of the file's rows derive from it."""
        return hashlib.sha256(f"{self.bucket}/{self.key}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Row:
    line: int
    type_id: str
    quantity: int
    expires_at: date | datetime
    removed_at: datetime


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str


@dataclass(frozen=True)
class RefusedRow:
    """A valid row that could not become a batch after all (its ingredient had no room), with the reason.

    Kept with its delivery when refused, so that a run resuming after a crash reports it as refused too.
    """

    line: int
    type_id: str
    quantity: int
    reason: str

    @classmethod
    def of(cls, row: Row, reason: str) -> RefusedRow:
        return cls(row.line, row.type_id, row.quantity, reason)


def batch_for(delivery: Delivery, row: Row) -> Batch:
    """The batch a row becomes: its id is the delivery plus the line, so the same row is always the same batch."""
    return Batch(
        type_id=row.type_id,
        batch_id=f"d{delivery.delivery_id}l{row.line}",  # letters and digits only: it names a map key
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
                if len(pending) > MAX_LINE_BYTES + 1:
                    too_long, pending = True, b""  # keep memory bounded; the rest of the line is dropped
                break
            line, pending = pending[:end], pending[end + 1 :]
            line = line.removesuffix(b"\r")
            yield number, None if too_long or len(line) > MAX_LINE_BYTES else line
            number, too_long = number + 1, False
    if first:
        pending = pending.removeprefix(_BOM)
    if pending or too_long:
        last = pending.removesuffix(b"\r")
        yield number, None if too_long or len(last) > MAX_LINE_BYTES else last


# A date-time's offset, after at least hours and minutes (``T10`` alone, which Python reads, is not taken).
_OFFSET = re.compile(r"T[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$")


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
        return Rejection(number, f"typeId {type_id[:80]!r} is not a lowercase slug (a-z, 0-9 and single hyphens)")
    if not _WHOLE_NUMBER.fullmatch(quantity_text):
        return Rejection(number, f"quantity {quantity_text[:80]!r} is not a positive whole number")
    digits = quantity_text.lstrip("0")
    if len(digits) > len(str(MAX_ROW_QUANTITY)) or int(digits or "0") > MAX_ROW_QUANTITY:
        return Rejection(
            number, f"quantity {quantity_text[:80]} is more than {MAX_ROW_QUANTITY:,} (the most one row may hold)"
        )
    quantity = int(digits or "0")
    if quantity <= 0:
        return Rejection(number, f"quantity must be positive, found {quantity}")
    expires_at = _parse_expiry(expires_text)
    if expires_at is None:
        return Rejection(number, f"expiresAt {expires_text[:80]!r} is not an ISO date (YYYY-MM-DD, up to 9999-12-31)")
    if isinstance(expires_at, datetime) and not _OFFSET.search(expires_text):
        # A date-time without one names no instant: read as UTC, a supplier an hour ahead would lose an hour.
        return Rejection(
            number, f"expiresAt {expires_text[:80]!r} has no UTC offset: end it with Z or +HH:MM (or give a date)"
        )
    try:
        removed_at = removal_instant(expires_at)
    except OverflowError:
        return Rejection(number, f"expiresAt {expires_text} is outside 0001-01-01 to 9999-12-31 in UTC")
    if removed_at <= now:
        return Rejection(number, f"expiresAt {expires_text} is in the past")
    return Row(number, type_id, quantity, expires_at, removed_at)


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
            try:
                yield _parse_row(number, fields, now)
            except Exception as error:
                yield Rejection(number, f"row could not be read: {type(error).__name__}")
        header_allowed = False


@dataclass
class DeliveryReport:
    """What became of a delivery file; the same content always gives the same report.

    ``refused`` is set when the file was not read at all (too large); ``uploads`` counts the uploads of this
    content under the key (only the first added anything).
    """

    delivery: Delivery
    checksum: str  # sha256 of the content, hex: an identical re-upload is recognised by it, not by the ETag
    etag: str
    uploads: int = 1
    accepted: int = 0
    quantities: dict[str, int] = field(default_factory=dict)
    rejected: list[Rejection] = field(default_factory=list)
    refused: str | None = None

    def count(self, parsed: Row | Rejection) -> None:
        if isinstance(parsed, Rejection):
            self.rejected.append(parsed)
        else:
            self.accepted += 1
            self.quantities[parsed.type_id] = self.quantities.get(parsed.type_id, 0) + parsed.quantity

    def withdraw(self, refused: Iterable[RefusedRow]) -> None:
        """Rows counted as accepted that could not be stored after all.

        Each line is counted once: a line this reading rejected keeps that rejection. (Every run judges rows as
        of the delivery's first sighting, so a refused row reads as a row again; the check stays as the
        invariant's guard, should the rules of reading change between deployments.)
        """
        rejected_lines = {rejection.line for rejection in self.rejected}
        for row in refused:
            if row.line in rejected_lines:
                continue
            rejected_lines.add(row.line)
            self.accepted -= 1
            self.quantities[row.type_id] -= row.quantity
            if not self.quantities[row.type_id]:
                del self.quantities[row.type_id]
            self.rejected.append(Rejection(row.line, row.reason))
        self.rejected.sort(key=lambda rejection: rejection.line)  # once, not per row: refusals can be 100,000s


@dataclass(frozen=True)
class DeliveryConflict:
    """Different content under a key already delivered: nothing of it is added, the first report stays."""

    delivery: Delivery
    checksum: str
    delivered_checksum: str
    etag: str
