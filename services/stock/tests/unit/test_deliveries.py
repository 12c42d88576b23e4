"""Reading a delivery CSV: what is accepted, what is rejected and why, whatever the file's bytes look like."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pizza_stock.domain import Delivery, DeliveryReport, RefusedRow, Rejection, Row, read_delivery
from pizza_stock.domain.deliveries import MAX_LINE_BYTES, MAX_ROW_QUANTITY, lines_of
from pizza_stock.domain.model import NEVER, removal_instant

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TODAY = NOW.date()

type_ids = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,6}){0,2}", fullmatch=True)
quantities = st.integers(min_value=1, max_value=10**9)
future_dates = st.integers(min_value=0, max_value=3650).map(lambda days: TODAY + timedelta(days=days))
valid_rows = st.tuples(type_ids, quantities, future_dates)


def parse(data: bytes, chunk_sizes: list[int] | None = None) -> list[Row | Rejection]:
    return list(read_delivery(split(data, chunk_sizes or [len(data) or 1]), NOW))


def split(data: bytes, sizes: list[int]) -> list[bytes]:
    chunks, start, index = [], 0, 0
    while start < len(data):
        size = max(1, sizes[index % len(sizes)])
        chunks.append(data[start : start + size])
        start, index = start + size, index + 1
    return chunks


@st.composite
def csv_files(draw: st.DrawFn, rows: st.SearchStrategy[str]) -> tuple[bytes, list[str], int]:
    """A file with optional BOM and header, LF or CRLF, optional final newline: (bytes, row lines, first row line)."""
    lines = draw(st.lists(rows, max_size=30))
    header = draw(st.booleans())
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = ending.join((["typeId,quantity,expiresAt"] if header else []) + lines)
    if lines and draw(st.booleans()):
        text += ending
    data = text.encode()
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data, lines, 2 if header else 1


valid_lines = valid_rows.map(lambda r: f"{r[0]},{r[1]},{r[2].isoformat()}")


@given(csv_files(valid_lines), st.lists(st.integers(1, 7), min_size=1))
def test_every_valid_row_becomes_a_row_with_its_line_number_however_the_bytes_are_chunked(file, chunk_sizes):
    data, lines, first_line = file
    parsed = parse(data, chunk_sizes)
    expected = []
    for offset, line in enumerate(lines):
        type_id, quantity, expires = line.split(",")
        best_before = date.fromisoformat(expires)
        expected.append(Row(first_line + offset, type_id, int(quantity), best_before, removal_instant(best_before)))
    assert parsed == expected


INVALID = {
    "columns": st.sampled_from(["ham,10", "ham,10,2027-01-01,extra", "ham"]),
    "not a positive whole number": st.sampled_from(["ham,ten,2027-01-01", "ham,1.5,2027-01-01", "ham,-3,2027-01-01"]),
    "must be positive": st.just("ham,0,2027-01-01"),
    "not an ISO date": st.sampled_from(["ham,5,tomorrow", "ham,5,2027-02-30", "ham,5,01/02/2027", "ham,5,"]),
    "in the past": st.sampled_from(["ham,5,2026-11-21", "ham,5,2001-01-01", "ham,5,2026-11-22T11:59:00Z"]),
    "not a lowercase slug": st.sampled_from(["Ham,5,2027-01-01", "ham_hock,5,2027-01-01", "-ham,5,2027-01-01"]),
}


@given(
    st.lists(
        st.one_of(
            valid_lines.map(lambda line: ("valid", line)),
            *[strategy.map(lambda line, why=why: (why, line)) for why, strategy in INVALID.items()],
        ),
        max_size=25,
    )
)
def test_each_invalid_row_is_rejected_at_its_line_with_its_reason_and_the_valid_rows_are_kept(lines):
    parsed = parse("\n".join(line for _, line in lines).encode())
    assert len(parsed) == len(lines)
    for number, ((why, _), result) in enumerate(zip(lines, parsed, strict=True), start=1):
        assert result.line == number
        if why == "valid":
            assert isinstance(result, Row)
        else:
            assert isinstance(result, Rejection)
            assert (why if why != "columns" else "expected 3 columns") in result.reason


def test_a_best_before_of_today_is_accepted_as_usable_until_midnight():
    [row] = parse(b"ham,5,2026-11-22\n")
    assert isinstance(row, Row)
    assert row.removed_at == datetime(2026, 11, 23, tzinfo=UTC)


def test_a_best_before_with_a_time_is_removed_at_that_instant():
    [row] = parse(b"ham,5,2026-11-22T18:30:00+01:00\n")
    assert isinstance(row, Row)
    assert row.removed_at == datetime(2026, 11, 22, 17, 30, tzinfo=UTC)


def test_blank_lines_are_skipped_but_still_counted_in_line_numbers():
    parsed = parse(b"ham,1,2027-01-01\n\n   \nbasil,2,2027-01-01\n")
    assert [(result.line, result.type_id) for result in parsed if isinstance(result, Row)] == [(1, "ham"), (4, "basil")]


def test_the_header_is_only_a_header_on_the_first_line_that_is_not_blank():
    parsed = parse(b"\ntypeId,quantity,expiresAt\nham,1,2027-01-01\ntypeId,quantity,expiresAt\n")
    assert isinstance(parsed[0], Row) and parsed[0].line == 3
    assert isinstance(parsed[1], Rejection) and parsed[1].line == 4


def test_fields_may_be_quoted_and_padded():
    [row] = parse(b' "ham", 7 ,2027-01-01 \n')
    assert row == Row(1, "ham", 7, date(2027, 1, 1), datetime(2027, 1, 2, tzinfo=UTC))


def test_a_line_that_is_not_utf8_is_rejected_and_the_next_line_still_read():
    parsed = parse(b"h\xe9m,1,2027-01-01\nham,2,2027-01-01\n")
    assert parsed[0] == Rejection(1, "line is not valid UTF-8")
    assert isinstance(parsed[1], Row)


@given(st.lists(st.integers(1, 300), min_size=1))
def test_an_overlong_line_is_rejected_without_being_held_and_reading_resumes_after_it(chunk_sizes):
    data = b"ham,1,2027-01-01\n" + b"x" * (MAX_LINE_BYTES * 3) + b"\r\nbasil,2,2027-01-01"
    parsed = parse(data, chunk_sizes)
    assert [type(result) for result in parsed] == [Row, Rejection, Row]
    assert parsed[1] == Rejection(2, f"line is longer than {MAX_LINE_BYTES} bytes")
    assert parsed[2].line == 3


def test_lines_are_cut_lazily_from_the_chunks():
    def endless():
        while True:
            yield b"ham,1,2027-01-01\n"

    numbered = lines_of(endless())
    assert [next(numbered)[0] for _ in range(3)] == [1, 2, 3]


def test_an_empty_file_or_a_lone_bom_has_no_rows():
    assert parse(b"") == []
    assert parse(b"\xef\xbb\xbf") == []


# --- the limits, at their edges ---------------------------------------------------------------------------


def test_the_largest_quantity_is_accepted_and_one_more_is_rejected_with_the_limit_named():
    parsed = parse(f"ham,{MAX_ROW_QUANTITY},2027-01-01\nham,{MAX_ROW_QUANTITY + 1},2027-01-01\n".encode())
    assert isinstance(parsed[0], Row) and parsed[0].quantity == MAX_ROW_QUANTITY
    assert parsed[1] == Rejection(
        2, f"quantity {MAX_ROW_QUANTITY + 1} is more than 1,000,000,000 (the most one row may hold)"
    )


def test_a_forty_digit_quantity_is_rejected_and_the_rows_after_it_are_read():
    forty = "9" * 40
    parsed = parse(f"ham,{forty},2027-01-01\nbasil,3,2027-01-01\nham,{'0' * 39}7,2027-01-01\n".encode())
    assert isinstance(parsed[0], Rejection) and "more than 1,000,000,000" in parsed[0].reason
    assert [(r.line, r.type_id, r.quantity) for r in parsed[1:]] == [(2, "basil", 3), (3, "ham", 7)]


def test_9999_12_31_means_never_expires_and_is_accepted():
    [row] = parse(b"salt,5,9999-12-31\n")
    assert isinstance(row, Row)
    assert row.removed_at == NEVER


def test_times_past_9999_in_utc_or_dates_that_do_not_exist_are_rejected_not_crashed_on():
    parsed = parse(b"salt,5,9999-12-31T23:00:00-05:00\nsalt,5,10000-01-01\nsalt,5,9999-13-01\nsalt,5,2027-01-01\n")
    assert [type(result).__name__ for result in parsed] == ["Rejection", "Rejection", "Rejection", "Row"]
    assert parsed[0].reason == "expiresAt 9999-12-31T23:00:00-05:00 is outside 0001-01-01 to 9999-12-31 in UTC"
    [early] = parse(b"salt,5,0001-01-01T00:30:00+01:00\n")
    assert early.reason == "expiresAt 0001-01-01T00:30:00+01:00 is outside 0001-01-01 to 9999-12-31 in UTC"


@pytest.mark.parametrize("text", ["2026-11-22T18:30", "2026-11-22T18:30:00", "2026-11-22T18"])
def test_a_best_before_with_a_time_but_no_offset_is_rejected_naming_what_is_missing(text):
    [rejection] = parse(f"ham,5,{text}\n".encode())
    assert rejection.reason == f"expiresAt {text!r} has no UTC offset: end it with Z or +HH:MM (or give a date)"


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2026-11-22T18:30Z", datetime(2026, 11, 22, 18, 30, tzinfo=UTC)),
        ("2026-11-22T18:30:00.5+0100", datetime(2026, 11, 22, 17, 30, 0, 500000, tzinfo=UTC)),
    ],
)
def test_a_best_before_with_an_offset_in_any_iso_spelling_is_read(text, instant):
    [row] = parse(f"ham,5,{text}\n".encode())
    assert row.removed_at == instant


def test_a_line_of_exactly_the_limit_is_read_and_one_byte_more_is_rejected():
    padding = MAX_LINE_BYTES - len("ham,1,2027-01-01,")
    exact = b"ham,1,2027-01-01," + b" " * padding  # 4 columns: read (and rejected for its columns), not "too long"
    assert len(exact) == MAX_LINE_BYTES
    parsed = parse(exact + b"\r\n" + exact + b"x\n" + b"ham,2,2027-01-01")
    assert parsed[0] == Rejection(1, "expected 3 columns (typeId,quantity,expiresAt), found 4")
    assert parsed[1] == Rejection(2, f"line is longer than {MAX_LINE_BYTES} bytes")
    assert isinstance(parsed[2], Row) and parsed[2].line == 3


def test_rows_refused_after_all_leave_the_accepted_and_a_line_already_rejected_is_counted_once():
    report = DeliveryReport(Delivery("bucket", "a.csv"), "0" * 64, "etag")
    later = NOW + timedelta(days=1)
    for parsed in (
        Row(1, "ham", 5, later, later),
        Rejection(2, "expiresAt 2026-11-21 is in the past"),
        Row(3, "ham", 2, later, later),
        Row(4, "basil", 1, later, later),
    ):
        report.count(parsed)
    # Read back after a crash: line 2 was refused for room before its best-before passed.
    report.withdraw(
        [RefusedRow(2, "ham", 7, "no room"), RefusedRow(3, "ham", 2, "no room"), RefusedRow(4, "basil", 1, "no room")]
    )
    assert (report.accepted, report.quantities) == (1, {"ham": 5})
    assert report.rejected == [
        Rejection(2, "expiresAt 2026-11-21 is in the past"),
        Rejection(3, "no room"),
        Rejection(4, "no room"),
    ]
