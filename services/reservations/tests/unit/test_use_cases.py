"""The use cases over in-memory ports: idempotency, exactly-once settling, snapshots, archive and projection."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fakes import (
    Clock,
    FakeArchive,
    FakeCommands,
    FakeEventStore,
    FakeProjection,
    FakePublisher,
    FakeRequests,
    FakeSnapshots,
)

from pizza_common.deadline import Deadline
from pizza_common.errors import Conflict, NotFound
from pizza_reservations import use_cases
from pizza_reservations.domain.model import AdjustItem, ConfirmReservation, ItemState, ReservationStatus, Reserve, fold
from pizza_reservations.ports import Appended, VersionTaken


class World:
    def __init__(self) -> None:
        self.clock = Clock()
        self.requests = FakeRequests()
        self.store = FakeEventStore(self.requests)
        self.snapshots = FakeSnapshots()
        self.archive = FakeArchive()
        self.projection = FakeProjection()
        self.publisher = FakePublisher()
        self.commands = FakeCommands()

    @property
    def ports(self):
        return {
            "store": self.store,
            "snapshots": self.snapshots,
            "requests": self.requests,
            "now": self.clock,
            "deadline": Deadline(float("inf"), sleep=lambda _: None),
        }

    def stock(self, item: str, units: int, adjustment_id: str = "a0"):
        return use_cases.adjust(
            AdjustItem(item_id=item, adjustment_id=adjustment_id, delta=units, reason="batch of the day"),
            **self.ports,
        )

    def reserve(self, rid: str, quantity: int, item: str = "cola", hold: int = 60):
        return use_cases.reserve(
            Reserve(reservation_id=rid, item_id=item, quantity=quantity, hold_seconds=hold),
            **self.ports,
        )

    def state(self, item: str = "cola") -> ItemState:
        return use_cases.load_state(item, store=self.store, snapshots=self.snapshots)


@pytest.fixture
def world() -> World:
    return World()


def test_a_replay_returns_the_first_answer_and_another_body_is_refused(world):
    world.stock("cola", 5)
    first = world.reserve("r1", 2)
    again = world.reserve("r1", 2)
    assert isinstance(first, use_cases.Granted) and isinstance(again, use_cases.Granted) and again.replay
    assert again.record == first.record
    assert isinstance(world.reserve("r1", 3), use_cases.IdReused)
    assert world.state().available(world.clock.now) == 3


def test_a_refusal_is_remembered_so_its_replay_is_refused_too(world):
    world.stock("cola", 1)
    assert isinstance(world.reserve("r1", 2), use_cases.Refused)
    world.stock("cola", 5, adjustment_id="a1")
    replay = world.reserve("r1", 2)
    assert isinstance(replay, use_cases.Refused) and replay.replay and replay.record.available == 1


def test_a_writer_that_loses_the_version_reads_the_tail_and_decides_again(world):
    world.stock("cola", 2)
    racing_store = world.store
    original_append = racing_store.append
    raced = []

    def append_after_a_rival(event, **kwargs):
        if not raced:  # a rival takes the last units at the very version this writer wanted
            raced.append(True)
            assert isinstance(world.reserve("rival", 2), use_cases.Granted)
        return original_append(event, **kwargs)

    racing_store.append = append_after_a_rival  # type: ignore[method-assign]
    outcome = world.reserve("r1", 1)
    assert isinstance(outcome, use_cases.Refused) and outcome.record.available == 0 and outcome.conflicts == 1


def test_a_loser_whose_failed_append_names_a_winner_that_sold_out_is_refused_at_once(world):
    world.stock("cola", 2)
    original_append, original_read = world.store.append, world.store.read
    appends, reads, pauses = [], [], []

    def append_after_a_rival(event, **kwargs):
        appends.append(event.version)
        if len(appends) == 1:  # the rival takes the last units at this very version
            assert isinstance(world.reserve("rival", 2), use_cases.Granted)
        return original_append(event, **kwargs)

    world.store.append = append_after_a_rival  # type: ignore[method-assign]
    world.store.read = lambda *a, **k: reads.append(a) or original_read(*a, **k)  # type: ignore[method-assign]
    command = Reserve(reservation_id="r1", item_id="cola", quantity=1, hold_seconds=60)
    ports = {**world.ports, "deadline": Deadline(float("inf"), sleep=pauses.append)}
    reads.clear()
    outcome = use_cases.reserve(command, **ports)
    # the load is the one read; the rival's own append is the second; the loser's 409 comes from the winner it
    # was handed: no read of the tail, no pause, no other attempt
    assert isinstance(outcome, use_cases.Refused) and outcome.record.available == 0 and outcome.conflicts == 1
    assert (appends, len(reads), pauses) == ([2, 2], 2, [])


def test_a_conflicted_append_waits_out_the_conflict_window_then_reads_the_winner(world):
    world.stock("cola", 5)
    original_append = world.store.append
    pauses: list[float] = []
    raced: list[bool] = []

    def conflicted_once(event, **kwargs):
        if not raced:  # another writer holds the version right now: the store cannot name it yet
            raced.append(True)
            assert isinstance(world.reserve("rival", 1), use_cases.Granted)
            return VersionTaken(None)
        return original_append(event, **kwargs)

    world.store.append = conflicted_once  # type: ignore[method-assign]
    command = Reserve(reservation_id="r1", item_id="cola", quantity=1, hold_seconds=60)
    outcome = use_cases.reserve(command, **{**world.ports, "deadline": Deadline(float("inf"), sleep=pauses.append)})
    assert isinstance(outcome, use_cases.Granted) and outcome.record.version == 3 and outcome.conflicts == 1
    assert len(pauses) == 1 and pauses[0] >= use_cases.BACKOFF_BASE_SECS


def test_a_writer_out_of_time_is_contended_not_stuck(world):
    world.stock("cola", 5)
    world.store.append = lambda event, **kwargs: VersionTaken(None)  # type: ignore[method-assign]
    command = Reserve(reservation_id="r1", item_id="cola", quantity=1, hold_seconds=60)
    with pytest.raises(use_cases.Contended):
        use_cases.reserve(command, **{**world.ports, "deadline": Deadline(0.0, clock=lambda: 0.0)})


def test_release_is_recorded_once_and_confirm_after_it_is_refused_with_its_reason(world):
    world.stock("cola", 3)
    world.reserve("r1", 2)
    released = use_cases.release("r1", **world.ports)
    again = use_cases.release("r1", **world.ports)
    assert released.status is again.status is ReservationStatus.RELEASED
    assert [e.type for e in world.store.read("cola")] == ["Adjusted", "Reserved", "Released"]
    after = use_cases.confirm(ConfirmReservation(reservation_id="r1"), **world.ports)
    assert after.status is ReservationStatus.RELEASED and after.confirm_refusal == "released"


def test_confirm_is_applied_exactly_once(world):
    world.stock("cola", 3)
    world.reserve("r1", 2)
    for _ in range(3):
        record = use_cases.confirm(ConfirmReservation(reservation_id="r1"), **world.ports)
    assert record.status is ReservationStatus.CONFIRMED
    assert world.state().sold == 2
    with pytest.raises(Conflict):
        use_cases.release("r1", **world.ports)


def test_a_late_confirm_releases_the_expired_hold_and_says_so(world):
    world.stock("cola", 3)
    world.reserve("r1", 2, hold=3)
    world.clock.advance(3)
    record = use_cases.confirm(ConfirmReservation(reservation_id="r1"), **world.ports)
    assert (record.status, record.confirm_refusal) == (ReservationStatus.EXPIRED, "expired")
    assert world.state().sold == 0 and world.state().holds == ()


def test_the_sweep_releases_every_expired_hold_exactly_once(world):
    world.stock("cola", 10)
    world.stock("fanta", 10, adjustment_id="a-fanta")
    world.reserve("r1", 2, hold=3)
    world.reserve("r2", 2, item="fanta", hold=3)
    world.reserve("r3", 2, hold=100)
    world.clock.advance(5)
    assert use_cases.expire_holds(**world.ports) == 2
    assert use_cases.expire_holds(**world.ports) == 0
    assert [e.type for e in world.store.read("cola")].count("Released") == 1
    assert world.requests.reservation("r1").status is ReservationStatus.EXPIRED
    assert world.requests.reservation("r3").status is ReservationStatus.HELD


def test_an_adjustment_is_applied_once_per_id_and_a_refusal_is_recorded(world):
    world.stock("cola", 5)
    world.stock("cola", 5)
    assert world.state().supply == 5
    world.reserve("r1", 4)
    refused = use_cases.adjust(AdjustItem(item_id="cola", adjustment_id="a1", delta=-3, reason="broken"), **world.ports)
    assert refused.outcome == "refused" and "4 held" in refused.refusal
    assert world.store.read("cola")[-1].type == "AdjustmentRefused"


def test_unknown_reservations_are_not_found_and_refused_ones_cannot_be_confirmed(world):
    with pytest.raises(NotFound):
        use_cases.request_confirm("nope", requests=world.requests, commands=world.commands)
    world.stock("cola", 1)
    world.reserve("r1", 5)
    with pytest.raises(Conflict):
        use_cases.request_confirm("r1", requests=world.requests, commands=world.commands)
    world.reserve("r2", 1)
    use_cases.request_confirm("r2", requests=world.requests, commands=world.commands)
    assert world.commands.sent == [ConfirmReservation(reservation_id="r2")]


def test_snapshots_cover_what_leaves_the_hot_store_and_history_rebuilds_from_the_archive(world):
    world.stock("cola", 100)
    for n in range(30):
        world.reserve(f"r{n}", 1)
    appended = world.store.read("cola")
    for start in range(0, len(appended), 7):  # the change stream, in batches
        use_cases.snapshot_and_retire(
            "cola",
            appended[start : start + 7],
            store=world.store,
            snapshots=world.snapshots,
            archive=world.archive,
            retirement=world.store,
            every=10,
            hot_retention=timedelta(days=1),
        )
    snapshot = world.snapshots.get("cola")
    assert snapshot is not None and snapshot.version >= 20
    assert all(version <= snapshot.version for (_, version) in world.store.purge_at)
    world.store.purge(world.clock.now + timedelta(days=2))  # TTL, however late
    assert world.store.read("cola")[0].version == snapshot.version + 1
    assert use_cases.history("cola", store=world.store, archive=world.archive) == appended
    assert world.state() == fold(appended, ItemState("cola"))


def test_the_projection_publishes_each_change_once_and_fills_a_gap_from_the_store(world):
    world.stock("cola", 10)
    world.reserve("r1", 3)
    world.reserve("r2", 3)
    events = world.store.read("cola")
    kwargs = {
        "projection": world.projection,
        "publisher": world.publisher,
        "store": world.store,
        "snapshots": world.snapshots,
    }
    use_cases.project_changes("cola", [events[1], events[0], events[0]], **kwargs)
    use_cases.project_changes("cola", [events[1]], **kwargs)
    assert [c.version for c in world.publisher.published] == [1, 2]
    assert world.publisher.published[-1].available == 7
    world.reserve("r3", 1)
    world.reserve("r4", 1)
    use_cases.project_changes("cola", [world.store.read("cola")[-1]], **kwargs)  # version 4 was never delivered
    view = world.projection.get("cola")
    assert view.state.version == 5 and view.pending == ()


def test_the_fake_store_refuses_a_taken_version():
    store = FakeEventStore(FakeRequests())
    world = World()
    world.store = store
    world.requests = store.requests
    world.stock("cola", 1)
    event = world.store.read("cola")[0]
    assert store.append(event) == VersionTaken(event)
    assert isinstance(store.append(event.model_copy(update={"version": 2})), Appended)
