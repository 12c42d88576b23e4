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
from pizza_reservations.domain.model import (
    AdjustItem,
    ConfirmReservation,
    ItemState,
    ReservationStatus,
    Reserve,
    fold,
    voided_at,
)
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
            "deadline": Deadline(float("inf"), sleep=self.clock.advance),
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

    @property
    def projecting(self):
        return {
            "projection": self.projection,
            "publisher": self.publisher,
            "store": self.store,
            "snapshots": self.snapshots,
        }

    def snapshot(self, events, item: str = "cola", every: int = 10):
        """The snapshots consumer on a batch of the change stream."""
        return use_cases.snapshot_and_retire(
            item,
            events,
            store=self.store,
            snapshots=self.snapshots,
            archive=self.archive,
            retirement=self.store,
            every=every,
            hot_retention=timedelta(days=1),
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


def test_reserving_an_item_that_has_no_event_is_refused_and_leaves_no_gate(world):
    refused = world.reserve("r1", 1, item="no-such-item")
    assert isinstance(refused, use_cases.Refused) and refused.record.available == 0
    assert world.store.gate("no-such-item") is None, "an unknown id leaves no row in the gates table"
    world.stock("no-such-item", 2)
    assert isinstance(world.reserve("r2", 1, item="no-such-item"), use_cases.Granted)


def test_a_refusal_is_remembered_so_its_replay_is_refused_too(world):
    world.stock("cola", 1)
    assert isinstance(world.reserve("r1", 2), use_cases.Refused)
    world.stock("cola", 5, adjustment_id="a1")
    replay = world.reserve("r1", 2)
    assert isinstance(replay, use_cases.Refused) and replay.replay and replay.record.available == 1


def test_a_reservation_is_one_take_at_the_gate_and_one_append_with_no_read_of_the_stream(world):
    world.stock("cola", 5)
    appends, gate_writes = world.store.appends, world.store.gate_writes
    world.store.read = lambda *a, **k: pytest.fail("the fast path reads no events")  # type: ignore[method-assign]
    outcome = world.reserve("r1", 2)
    assert isinstance(outcome, use_cases.Granted) and outcome.record.version == 2
    assert (world.store.appends - appends, world.store.gate_writes - gate_writes) == (1, 1)
    assert world.store.gate("cola").free == 3


def test_a_writer_whose_version_was_sealed_takes_another_and_the_sealed_one_folds_as_nothing(world):
    world.stock("cola", 2)
    original_append = world.store.append

    def sealed_first(event, **kwargs):
        if event.type == "Reserved" and not world.store.read("cola", 1):  # a sealer got to this version first
            original_append(voided_at("cola", event.version, world.clock(), "abandoned"))
        return original_append(event, **kwargs)

    world.store.append = sealed_first  # type: ignore[method-assign]
    outcome = world.reserve("r1", 1)
    assert isinstance(outcome, use_cases.Granted) and outcome.record.version == 3 and outcome.conflicts == 1
    assert [e.type for e in world.store.read("cola")] == ["Adjusted", "Voided", "Reserved"]
    assert isinstance(world.reserve("r2", 1), use_cases.Granted)  # the sealed version's unit came back
    assert isinstance(world.reserve("r3", 1), use_cases.Refused)
    assert world.state().held(world.clock.now) == 2


def test_a_crash_between_the_gate_and_the_event_never_loses_nor_double_counts_units(world):
    world.stock("cola", 5)
    original_append = world.store.append
    crashed: list[int] = []

    def crash_once(event, **kwargs):
        if event.type == "Reserved" and not crashed:
            crashed.append(event.version)
            raise ConnectionError("the function died after taking its version")
        return original_append(event, **kwargs)

    world.store.append = crash_once  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        world.reserve("lost", 1)
    granted = [world.reserve(f"r{n}", 1) for n in range(6)]
    # four fit at once; the fifth finds the gate short, waits out the grace, seals the lost version, gets its unit
    assert [isinstance(g, use_cases.Granted) for g in granted] == [True] * 5 + [False]
    assert granted[-1].record.available == 0
    history = world.store.read("cola")
    assert [e.type for e in history].count("Reserved") == 5
    assert [(e.version, e.type, e.reason) for e in history if e.type == "Voided"] == [
        (crashed[0], "Voided", "abandoned")
    ]
    state = world.state()
    assert state.held(world.clock.now) == 5 and state.unheld() == 0 == world.store.gate("cola").free


def test_an_expired_hold_never_blocks_a_sale_though_the_gate_counts_it_until_released(world):
    world.stock("cola", 4)
    assert isinstance(world.reserve("r1", 4, hold=3), use_cases.Granted)
    assert isinstance(world.reserve("r2", 1), use_cases.Refused)
    world.clock.advance(3)
    assert world.store.gate("cola").free == 0  # the gate still counts the expired hold
    assert isinstance(world.reserve("r3", 4), use_cases.Granted)
    assert world.requests.reservation("r1").status is ReservationStatus.EXPIRED
    assert [e.type for e in world.store.read("cola")] == ["Adjusted", "Reserved", "Released", "Reserved"]


def test_a_replay_at_the_same_instant_voids_the_version_it_took_and_gets_the_first_answer(world):
    world.stock("cola", 3)
    first = world.reserve("r1", 1)
    original = world.requests.reservation
    calls: list[str] = []

    def unseen_once(rid):  # the two copies crossed: neither saw the other's record before taking a version
        calls.append(rid)
        return None if len(calls) == 1 else original(rid)

    world.requests.reservation = unseen_once  # type: ignore[method-assign]
    again = world.reserve("r1", 1)
    assert isinstance(again, use_cases.Granted) and again.replay and again.record == first.record
    assert [e.type for e in world.store.read("cola")] == ["Adjusted", "Reserved", "Voided"]
    assert world.store.read("cola")[-1].reason == "replayed"
    assert [isinstance(world.reserve(f"r{n}", 1), use_cases.Granted) for n in range(2, 5)] == [True, True, False]


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


def test_a_confirm_that_loses_the_race_to_a_release_is_refused_with_its_reason(world):
    world.stock("cola", 5)
    world.reserve("r1", 2)
    held = world.requests.reservation("r1")
    use_cases.release("r1", **world.ports)  # DELETE lands between the confirm's read and its append
    reads = iter([held])
    real_reservation = world.requests.reservation
    world.requests.reservation = lambda rid: next(reads, None) or real_reservation(rid)  # type: ignore[method-assign]
    after = use_cases.confirm(ConfirmReservation(reservation_id="r1"), **world.ports)
    assert (after.status, after.confirm_refusal) == (ReservationStatus.RELEASED, "released")
    assert [e.type for e in world.store.read("cola")] == ["Adjusted", "Reserved", "Released", "Voided"]


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


def test_one_sweep_releases_more_expired_holds_than_a_page_holds(world):
    world.stock("cola", 1_200)
    for n in range(1_150):
        world.reserve(f"r{n}", 1, hold=3)
    world.clock.advance(5)
    assert use_cases.expire_holds(**world.ports, limit=500) == 1_150, "three pages in one run, not one a minute"
    assert [e.type for e in world.store.read("cola")].count("Released") == 1_150


def test_the_sweep_stops_releasing_while_its_run_still_has_time_to_reconcile(world):
    world.stock("cola", 10)
    world.reserve("r1", 1, hold=3)
    world.clock.advance(5)
    ports = {**world.ports, "deadline": Deadline.after(use_cases.SWEEP_RECONCILE_SECS - 1)}
    assert use_cases.expire_holds(**ports) == 0
    assert world.requests.reservation("r1").status is ReservationStatus.HELD, "left for the next run"


def test_an_adjustment_is_applied_once_per_id_and_a_refusal_is_recorded(world):
    world.stock("cola", 5)
    world.stock("cola", 5)
    assert world.state().supply == 5
    world.reserve("r1", 4)
    refused = use_cases.adjust(AdjustItem(item_id="cola", adjustment_id="a1", delta=-3, reason="broken"), **world.ports)
    assert refused.outcome == "refused" and "4 held" in refused.refusal
    assert world.store.read("cola")[-1].type == "AdjustmentRefused"


def test_an_adjustment_id_with_another_body_is_a_409_at_once_even_before_the_first_is_applied(world):
    accept = {"requests": world.requests, "commands": world.commands, "now": world.clock}
    first = AdjustItem(item_id="cola", adjustment_id="a1", delta=10, reason="delivery")
    use_cases.accept_adjustment(first, **accept)
    with pytest.raises(Conflict) as refused:
        use_cases.accept_adjustment(first.model_copy(update={"delta": -3, "reason": "breakage"}), **accept)
    assert refused.value.details == {"itemId": "cola", "delta": 10, "reason": "delivery"}
    use_cases.accept_adjustment(first, **accept)  # a replay is queued again: the processor applies it once
    assert world.commands.sent == [first, first]
    for command in world.commands.sent:
        use_cases.adjust(command, **world.ports)
    assert [e.type for e in world.store.read("cola")] == ["Adjusted"]


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
        world.snapshot(appended[start : start + 7])
    snapshot = world.snapshots.get("cola")
    assert snapshot is not None and snapshot.version >= 20
    assert all(version <= snapshot.version for (_, version) in world.store.purge_at)
    world.store.purge(world.clock.now + timedelta(days=2))  # TTL, however late
    assert world.store.read("cola")[0].version == snapshot.version + 1
    assert use_cases.history("cola", store=world.store, archive=world.archive) == appended
    assert world.state() == fold(appended, ItemState("cola"))
    pages = [
        use_cases.history("cola", store=world.store, archive=world.archive, after_version=after, most=7)
        for after in range(0, len(appended), 7)
    ]
    assert [event for page in pages for event in page] == appended, "pages across the archive and the hot store"


def test_the_projection_publishes_each_change_once_and_fills_a_gap_from_the_store(world):
    world.stock("cola", 10)
    world.reserve("r1", 3)
    world.reserve("r2", 3)
    events = world.store.read("cola")
    kwargs = world.projecting
    use_cases.project_changes("cola", [events[1], events[0], events[0]], **kwargs)
    use_cases.project_changes("cola", [events[1]], **kwargs)
    assert [c.version for c in world.publisher.published] == [1, 2]
    assert world.publisher.published[-1].available == 7
    world.reserve("r3", 1)
    world.reserve("r4", 1)
    use_cases.project_changes("cola", [world.store.read("cola")[-1]], **kwargs)  # 3 and 4 were never delivered
    view = world.projection.get("cola")
    assert view.state.version == 5 and view.pending == ()
    assert [c.version for c in world.publisher.published] == [1, 2, 3, 4, 5], "each change once, none skipped"


def test_a_version_delivered_after_a_later_one_is_still_published_once(world):
    # The gate gives out versions at once and their writers finish in any order: version 2 can be written
    # after 3 and come in a later record, or be in the store before its own record comes.
    world.stock("cola", 10)
    world.reserve("r1", 1)
    world.reserve("r2", 1)
    v1, v2, v3 = world.store.read("cola")
    for delivery in ([v1], [v3], [v2], [v3, v2]):
        use_cases.project_changes("cola", delivery, **world.projecting)
    assert [(c.version, c.change) for c in world.publisher.published] == [
        (1, "Adjusted"),
        (2, "Reserved"),
        (3, "Reserved"),
    ]
    assert world.projection.get("cola").state == fold([v1, v2, v3], ItemState("cola"))


def test_a_gap_the_hot_store_no_longer_holds_is_one_change_as_of_the_latest(world):
    world.stock("cola", 40)
    for n in range(12):
        world.reserve(f"r{n}", 1)
    appended = world.store.read("cola")
    use_cases.project_changes("cola", appended[:1], **world.projecting)
    world.snapshot(appended)
    world.store.purge(world.clock.now + timedelta(days=2))  # the records of 2..12 lost, their events retired
    use_cases.project_changes("cola", appended[-1:], **world.projecting)
    assert [c.version for c in world.publisher.published] == [1, 13]
    assert world.projection.get("cola").state == fold(appended, ItemState("cola"))


def test_the_fake_store_refuses_a_taken_version():
    store = FakeEventStore(FakeRequests())
    world = World()
    world.store = store
    world.requests = store.requests
    world.stock("cola", 1)
    event = world.store.read("cola")[0]
    assert store.append(event) == VersionTaken(event)
    assert isinstance(store.append(event.model_copy(update={"version": 2})), Appended)


def test_a_voided_version_is_projected_but_never_published(world):
    world.stock("cola", 5)
    world.store.append(voided_at("cola", world.store.take("cola", 0, world.clock()).version, world.clock(), "settled"))
    world.reserve("r1", 2)
    kwargs = world.projecting
    use_cases.project_changes("cola", world.store.read("cola"), **kwargs)
    assert [(c.version, c.change) for c in world.publisher.published] == [(1, "Adjusted"), (3, "Reserved")]
    assert world.projection.get("cola").state.version == 3
    assert [e.type for e in use_cases.history("cola", store=world.store, archive=world.archive)] == [
        "Adjusted",
        "Voided",
        "Reserved",
    ]
