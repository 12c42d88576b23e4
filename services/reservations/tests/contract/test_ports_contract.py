"""Each in-memory fake held to its AWS adapter (moto in process): the same calls give the same answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from fakes import FakeArchive, FakeEventStore, FakeProjection, FakeRequests, FakeSnapshots

from pizza_reservations.adapters.archive import S3Archive
from pizza_reservations.adapters.event_store import DynamoDbEventStore, DynamoDbRetirement
from pizza_reservations.adapters.projection import DynamoDbProjection
from pizza_reservations.adapters.requests import DynamoDbRequests
from pizza_reservations.adapters.snapshots import DynamoDbSnapshots
from pizza_reservations.domain.events import Adjusted, Reserved
from pizza_reservations.domain.model import (
    AdjustItem,
    AdjustmentRecord,
    ItemState,
    ItemView,
    ReservationRecord,
    ReservationStatus,
    fold,
)
from pizza_reservations.ports import (
    Appended,
    Claim,
    ClaimTaken,
    GateState,
    ItemsPage,
    NotSettled,
    Settle,
    Short,
    Taken,
    VersionTaken,
)

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
REGION = "eu-west-1"


@pytest.fixture(params=["aws", "fake"])
def kind(request):
    return request.param


@pytest.fixture
def store_and_requests(kind, request):
    if kind == "fake":
        requests = FakeRequests()
        return FakeEventStore(requests), requests
    request.getfixturevalue("aws")
    client = boto3.client("dynamodb", region_name=REGION)
    return (
        DynamoDbEventStore("test-reservations-events", "test-reservations-requests", "test-reservations-gates", client),
        DynamoDbRequests("test-reservations-requests", client),
    )


def stocked(version: int = 1, units: int = 10) -> Adjusted:
    return Adjusted(item_id="cola", version=version, at=T0, adjustment_id=f"a{version}", delta=units, reason="batch")


def reserved(version: int, rid: str, quantity: int = 1, hold: int = 60) -> Reserved:
    return Reserved(
        item_id="cola",
        version=version,
        at=T0,
        reservation_id=rid,
        quantity=quantity,
        expires_at=T0 + timedelta(seconds=hold),
    )


def held(event: Reserved) -> ReservationRecord:
    return ReservationRecord(
        event.reservation_id,
        event.item_id,
        event.quantity,
        60,
        ReservationStatus.HELD,
        created_at=event.at,
        expires_at=event.expires_at,
        version=event.version,
    )


def test_an_append_succeeds_only_at_a_free_version(store_and_requests):
    store, _ = store_and_requests
    assert store.append(stocked()) == Appended(1)
    assert store.append(stocked()) == VersionTaken(stocked())  # the winner, so the loser need not read
    assert store.append(reserved(2, "r1")) == Appended(2)
    assert store.read("cola") == [stocked(), reserved(2, "r1")]
    assert store.read("cola", 1) == [reserved(2, "r1")]
    assert store.read("fanta") == []


def test_a_claimed_request_id_is_applied_once_and_its_event_not_written_twice(store_and_requests):
    store, requests = store_and_requests
    store.append(stocked())
    first = reserved(2, "r1")
    assert store.append(first, claim=Claim(held(first))) == Appended(2)
    again = reserved(3, "r1")
    assert store.append(again, claim=Claim(held(again))) == ClaimTaken()
    assert store.read("cola", 2) == []
    assert requests.reservation("r1") == held(first)
    adjustment = AdjustmentRecord("a9", "cola", 5, "batch", "adjusted", 3)
    event = Adjusted(item_id="cola", version=3, at=T0, adjustment_id="a9", delta=5, reason="batch")
    assert store.append(event, claim=Claim(adjustment)) == Appended(3)
    assert requests.adjustment("a9") == adjustment


def test_a_taken_version_wins_over_a_new_claim(store_and_requests):
    store, requests = store_and_requests
    store.append(stocked())
    event = reserved(1, "r1")
    assert store.append(event, claim=Claim(held(event))) == VersionTaken(stocked())
    assert requests.reservation("r1") is None


def test_a_reservation_is_settled_once(store_and_requests):
    store, requests = store_and_requests
    store.append(stocked())
    event = reserved(2, "r1")
    store.append(event, claim=Claim(held(event)))
    from pizza_reservations.domain.events import Released

    release = Released(item_id="cola", version=3, at=T0, reservation_id="r1", quantity=1, reason="early")
    settle = Settle("r1", ReservationStatus.RELEASED)
    assert store.append(release, settle=settle) == Appended(3)
    assert requests.reservation("r1").status is ReservationStatus.RELEASED
    assert store.append(release.model_copy(update={"version": 4}), settle=settle) == NotSettled()
    assert [e.version for e in store.read("cola")] == [1, 2, 3]


def test_refusals_are_recorded_once_and_the_sweep_lists_only_expired_holds(store_and_requests):
    store, requests = store_and_requests
    refused = ReservationRecord("r0", "cola", 5, 60, ReservationStatus.REFUSED, created_at=T0, available=2)
    assert requests.record_refusal(refused) is True
    assert requests.record_refusal(replace(refused, quantity=7)) is False
    assert requests.reservation("r0") == refused
    store.append(stocked())
    for version, (rid, hold) in enumerate([("r1", 3), ("r2", 100), ("r3", 5)], start=2):
        event = reserved(version, rid, hold=hold)
        store.append(event, claim=Claim(held(event)))
    expired = requests.expired_holds(T0 + timedelta(seconds=10), limit=10)
    assert [r.reservation_id for r in expired] == ["r1", "r3"]
    assert [r.reservation_id for r in requests.expired_holds(T0 + timedelta(seconds=10), limit=1)] == ["r1"]
    requests.note_confirm_refusal("r2", "released")
    assert requests.reservation("r2").confirm_refusal == "released"


def test_an_adjustment_id_keeps_the_body_it_was_first_accepted_with(store_and_requests):
    _, requests = store_and_requests
    first = AdjustItem(item_id="cola", adjustment_id="a7", delta=5, reason="delivery")
    assert requests.accept_adjustment(first, T0) is None
    assert requests.accept_adjustment(first, T0 + timedelta(seconds=1)) is None, "the same body again: a replay"
    assert requests.accept_adjustment(first.model_copy(update={"delta": -3}), T0) == first
    assert requests.adjustment("a7") is None, "accepted is not applied"


def test_retired_events_read_the_same(store_and_requests):
    store, _ = store_and_requests
    events = [stocked(), reserved(2, "r1")]
    for event in events:
        store.append(event)
    retirement = store if isinstance(store, FakeEventStore) else DynamoDbRetirement(store.table, store.client)
    retirement.retire(events, purge_at=T0 + timedelta(days=30))
    assert store.read("cola") == events


def test_a_gate_gives_each_version_once_and_units_only_while_it_has_them(store_and_requests):
    store, _ = store_and_requests
    assert store.take("cola", 0, T0) == Short(None)  # no gate yet: nothing taken
    assert store.take("cola", 1, T0) == Short(None)
    assert store.gate("cola") is None
    assert store.correct("cola", None, free=3, seq=1) is True  # opened at the fold
    assert store.correct("cola", None, free=9, seq=1) is False  # only once
    assert [store.take("cola", 2, T0), store.take("cola", 0, T0), store.take("cola", 2, T0)] == [
        Taken(2),
        Taken(3),
        Short(1),
    ]
    gate = store.gate("cola")
    assert (gate.free, gate.seq, gate.fixes, gate.checked, gate.taken_at) == (1, 3, 0, 1, T0)
    assert store.gated_items() == ["cola"]


def test_a_correction_applies_once_as_a_difference_that_leaves_later_takes_standing(store_and_requests):
    store, _ = store_and_requests
    store.correct("cola", None, free=5, seq=0)
    store.take("cola", 2, T0)
    seen = store.gate("cola")  # free 3 at seq 1, but the fold says 4 (say, a version voided)
    store.take("cola", 1, T0 + timedelta(seconds=1))  # taken after the read: stays taken
    assert store.correct("cola", seen, free=4, seq=seen.seq) is True
    assert store.correct("cola", seen, free=4, seq=seen.seq) is False  # another correction came since
    gate = store.gate("cola")
    assert (gate.free, gate.seq, gate.fixes, gate.checked) == (3, 2, 1, 1)
    assert store.gated_items() == ["cola"]  # version 2 not reconciled yet
    assert store.correct("cola", store.gate("cola"), free=3, seq=2) is True
    assert store.gated_items() == []
    assert isinstance(store.gate("cola"), GateState)


@pytest.fixture
def snapshots(kind, request):
    if kind == "fake":
        return FakeSnapshots()
    request.getfixturevalue("aws")
    return DynamoDbSnapshots("test-reservations-snapshots", boto3.client("dynamodb", region_name=REGION))


def test_a_snapshot_never_goes_backwards(snapshots):
    state2 = fold([stocked(), reserved(2, "r1")], ItemState("cola"))
    state1 = fold([stocked()], ItemState("cola"))
    assert snapshots.get("cola") is None
    assert snapshots.put(state2) is True
    assert snapshots.put(state1) is False
    assert snapshots.put(state2) is False
    assert snapshots.get("cola") == state2


@pytest.fixture
def projection(kind, request):
    if kind == "fake":
        return FakeProjection()
    request.getfixturevalue("aws")
    return DynamoDbProjection("test-reservations-items", boto3.client("dynamodb", region_name=REGION))


def test_the_projection_replaces_only_the_view_it_read(projection):
    first = ItemView(fold([stocked()], ItemState("cola")), pending=(reserved(3, "r2"),))
    assert projection.put(first, None) is True
    assert projection.put(first, None) is False
    second = ItemView(fold([stocked(), reserved(2, "r1"), reserved(3, "r2")], ItemState("cola")))
    assert projection.put(second, ItemView(ItemState("cola"))) is False
    assert projection.put(second, first) is True
    assert projection.get("cola") == second
    assert projection.get("beer") is None


def stocked_view(item_id: str) -> ItemView:
    return ItemView(fold([stocked().model_copy(update={"item_id": item_id})], ItemState(item_id)))


def listing(projection, most: int) -> list[ItemsPage]:
    """Every page of the projection, following ``next`` from the first."""
    pages = [projection.list_page(None, most)]
    while pages[-1].next is not None:
        pages.append(projection.list_page(pages[-1].next, most))
    return pages


def test_the_projection_lists_every_item_once_a_page_at_a_time_in_an_order_kept_from_page_to_page(projection):
    ids = ["beer", "cola", "fanta", "juice", "tea", "water", "wine"]
    for item_id in ids:
        assert projection.put(stocked_view(item_id), None) is True

    pages = listing(projection, 2)
    assert [len(page.views) for page in pages] == [2, 2, 2, 1]
    assert [page.next for page in pages] == [page.views[-1].state.item_id for page in pages[:3]] + [None]
    listed = [view.state.item_id for page in pages for view in page.views]
    assert sorted(listed) == ids, "every item exactly once"
    assert [view.state.item_id for view in projection.list_page(None, 100).views] == listed, (
        "the same order at any size"
    )
    assert projection.list_page(None, 100).next is None
    assert [view.state.item_id for view in projection.list_page(listed[2], 3).views] == listed[3:6]
    full = listing(projection, 7)  # a full last page says there may be more; the page after it is empty
    assert [(len(page.views), page.next) for page in full] == [(7, listed[-1]), (0, None)]
    assert projection.list_page(None, 3).views[0] == stocked_view(listed[0])


def test_the_projection_lists_after_an_item_it_does_not_hold(projection):
    for item_id in ["beer", "cola", "fanta"]:
        projection.put(ItemView(ItemState(item_id)), None)
    after = projection.list_page("nothing-here", 10)  # where it would be: in DynamoDB's order, by its key's hash
    assert set(view.state.item_id for view in after.views) <= {"beer", "cola", "fanta"}
    assert after.next is None


@pytest.fixture
def archive(kind, request):
    if kind == "fake":
        return FakeArchive()
    request.getfixturevalue("aws")
    return S3Archive("test-reservations-archive", boto3.client("s3", region_name=REGION))


def test_the_archive_gives_back_each_version_once_whatever_the_batches(archive):
    events = [stocked(), reserved(2, "r1"), reserved(3, "r2"), reserved(4, "r3")]
    archive.keep("cola", events[:2])
    archive.keep("cola", events[1:3])  # a batch delivered again, split differently
    archive.keep("cola", [events[3], events[2]])
    archive.keep("colab", [stocked()])
    assert archive.recall("cola") == events
    assert archive.recall("fanta") == []
    assert archive.recall("cola", after_version=2) == events[2:]
    assert archive.recall("cola", after_version=1, most=2)[:2] == events[1:3], "a page holds at least its versions"
    assert archive.recall("cola", after_version=4) == []


class _Crashing:
    """The store with a crash at the seam between the gate and the event: the first Reserved is never written."""

    def __init__(self, store) -> None:
        self.store, self.crashed = store, []

    def __getattr__(self, name):
        return getattr(self.store, name)

    def append(self, event, **kwargs):
        if event.type == "Reserved" and not self.crashed:
            self.crashed.append(event.version)
            raise ConnectionError("the function died between its version and its event")
        return self.store.append(event, **kwargs)


def test_a_crash_between_the_gate_and_the_event_is_sealed_and_its_units_come_back(store_and_requests, kind):
    from pizza_common.deadline import Deadline
    from pizza_reservations import use_cases
    from pizza_reservations.domain.model import AdjustItem, Reserve

    store, requests = store_and_requests
    moments = [T0]

    def now():
        return moments[-1]

    def sleep(seconds: float) -> None:  # the grace passes without waiting for it
        moments.append(moments[-1] + timedelta(seconds=seconds))

    crashing = _Crashing(store)
    ports = {
        "store": crashing,
        "snapshots": FakeSnapshots(),
        "requests": requests,
        "now": now,
        "deadline": Deadline(float("inf"), sleep=sleep),
    }
    use_cases.adjust(AdjustItem(item_id="cola", adjustment_id="a1", delta=3, reason="batch"), **ports)

    def reserve(rid: str):
        command = Reserve(reservation_id=rid, item_id="cola", quantity=1, hold_seconds=600)
        return use_cases.reserve(command, **ports)

    with pytest.raises(ConnectionError):
        reserve("lost")
    outcomes = [type(reserve(f"r{n}")).__name__ for n in range(4)]
    assert outcomes == ["Granted", "Granted", "Granted", "Refused"]  # the third unit came back at the refusal
    history = store.read("cola")
    assert [(e.version, e.type) for e in history] == [
        (1, "Adjusted"),
        (2, "Voided"),
        (3, "Reserved"),
        (4, "Reserved"),
        (5, "Reserved"),
    ]
    assert crashing.crashed == [2] and history[1].reason == "abandoned"
    assert requests.reservation("lost") is None
    gate = store.gate("cola")
    assert (gate.free, gate.seq) == (0, 5)
