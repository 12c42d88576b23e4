"""The DynamoDB ledger against moto in process, and the in-memory fake held to the same contract."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fakes import FakeLedger

from localcloud.testing import moto_stack
from pizza_common.dynamodb import to_item
from pizza_oven.adapters.ledger import CAPACITY_KEY, DynamoDbLedger
from pizza_oven.domain.model import Load, OvenNotSeeded, Pizza, PizzaState, Route
from pizza_oven.domain.outcomes import AlreadyKnown, Granted, NoRoom
from pizza_oven.stack import stack

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
OVEN = stack("test", capacity=1)
TABLE = OVEN.tables[0].name


@pytest.fixture
def dynamodb():
    with moto_stack(OVEN) as cloud:
        client = cloud.client("dynamodb")
        client.delete_item(TableName=TABLE, Key=to_item(CAPACITY_KEY))  # each test seeds its own
        yield client


def _seed(client, capacity: int) -> None:
    client.put_item(TableName=TABLE, Item=to_item({**CAPACITY_KEY, "capacity": capacity}))


@pytest.fixture(params=["dynamodb", "fake"])
def make_ledger(request):
    """A factory of ledgers of a given capacity: the DynamoDB one, and the fake the use-case tests use."""
    if request.param == "fake":
        return lambda capacity: FakeLedger(capacity)
    client = request.getfixturevalue("dynamodb")

    def make(capacity: int) -> DynamoDbLedger:
        _seed(client, capacity)
        return DynamoDbLedger(TABLE, client)

    return make


P1, P2, P3 = Pizza("p1", 5), Pizza("p2", 7), Pizza("p3", 9)


def test_arrivals_take_slots_until_the_oven_is_full(make_ledger):
    ledger = make_ledger(2)
    assert ledger.allocate(P1, "m", NOW) == Granted()
    assert ledger.allocate(P2, "m", NOW) == Granted()
    assert ledger.allocate(P3, "m", NOW) == NoRoom()
    assert ledger.load() == Load(capacity=2, in_use=2, waiting=0)


def test_an_arrival_takes_no_slot_while_a_pizza_waits(make_ledger):
    ledger = make_ledger(2)
    assert ledger.join_line(P1, "m", NOW) == Granted()
    assert ledger.allocate(P2, "m", NOW) == NoRoom()
    assert ledger.load() == Load(capacity=2, in_use=0, waiting=1)


def test_a_pizza_seen_before_is_reported_with_what_the_oven_knows(make_ledger):
    ledger = make_ledger(2)
    ledger.allocate(P1, "m", NOW)
    known = ledger.allocate(P1, "m", NOW)
    assert isinstance(known, AlreadyKnown)
    assert known.record.state is PizzaState.BAKING
    assert known.record.baking_time_secs == 5
    assert known.record.route is Route.DIRECT
    assert isinstance(ledger.join_line(P1, "m", NOW), AlreadyKnown)
    assert ledger.load().in_use == 1


def test_arrivals_join_the_line_together_or_not_at_all(make_ledger):
    ledger = make_ledger(1)
    ledger.allocate(P1, "m1", NOW)
    assert ledger.join_line_together([(P2, "m2"), (P3, "m3")], NOW) is True
    assert ledger.load() == Load(capacity=1, in_use=1, waiting=2)
    assert (ledger.pizza("p3").state, ledger.pizza("p3").message_id) == (PizzaState.WAITING, "m3")

    p4 = Pizza("p4", 3)
    assert ledger.join_line_together([(p4, "m4"), (P2, "m2")], NOW) is False  # p2 is known: nothing changes
    assert ledger.pizza("p4") is None
    assert ledger.load() == Load(capacity=1, in_use=1, waiting=2)


def test_a_waiting_pizza_takes_a_slot_only_when_one_is_free(make_ledger):
    ledger = make_ledger(1)
    ledger.allocate(P1, "m", NOW)
    ledger.join_line(P2, "m", NOW)
    assert ledger.take_from_line(P2, "0001", NOW) == NoRoom()
    assert ledger.take_out(P1, NOW) == Granted()
    assert ledger.take_from_line(P2, "0001", NOW) == Granted()
    assert ledger.load() == Load(capacity=1, in_use=1, waiting=0)
    record = ledger.pizza("p2")
    assert (record.state, record.route, record.line_sequence) == (PizzaState.BAKING, Route.LINE, "0001")


def test_a_line_entry_for_a_pizza_no_longer_waiting_is_reported_not_taken(make_ledger):
    ledger = make_ledger(2)
    ledger.allocate(P1, "m", NOW)
    known = ledger.take_from_line(P1, "0001", NOW)
    assert isinstance(known, AlreadyKnown)
    assert known.record.state is PizzaState.BAKING
    assert ledger.take_from_line(P3, "0002", NOW) == AlreadyKnown(None)
    assert ledger.load().in_use == 1


def test_taking_out_frees_the_slot_exactly_once(make_ledger):
    ledger = make_ledger(1)
    ledger.allocate(P1, "m", NOW)
    assert ledger.take_out(P1, NOW) == Granted()
    again = ledger.take_out(P1, NOW)
    assert isinstance(again, AlreadyKnown)
    assert again.record.state is PizzaState.BAKED
    assert again.record.baked_at == NOW
    assert ledger.load().in_use == 0


def test_giving_back_an_arrivals_slot_forgets_the_pizza(make_ledger):
    ledger = make_ledger(1)
    ledger.allocate(P1, "m", NOW)
    ledger.give_back(P1, Route.DIRECT)
    ledger.give_back(P1, Route.DIRECT)  # a second give-back changes nothing
    assert ledger.load().in_use == 0
    assert ledger.pizza("p1") is None


def test_giving_back_a_line_pizzas_slot_puts_it_back_to_waiting(make_ledger):
    ledger = make_ledger(1)
    ledger.join_line(P1, "m", NOW)
    ledger.take_from_line(P1, "0001", NOW)
    ledger.give_back(P1, Route.LINE)
    ledger.give_back(P1, Route.LINE)
    assert ledger.load() == Load(capacity=1, in_use=0, waiting=1)
    assert ledger.pizza("p1").state is PizzaState.WAITING


def test_a_started_pizza_keeps_its_slot(make_ledger):
    ledger = make_ledger(1)
    ledger.allocate(P1, "m", NOW)
    ledger.mark_started(P1, "execution-p1", NOW)
    ledger.give_back(P1, Route.DIRECT)
    assert ledger.load().in_use == 1
    assert ledger.pizza("p1").started_at == NOW


def test_marks_are_kept_from_the_first_time(make_ledger):
    ledger = make_ledger(1)
    ledger.allocate(P1, "m", NOW)
    ledger.take_out(P1, NOW)
    ledger.mark_shelved(P1, NOW)
    ledger.mark_shelved(P1, datetime(2030, 1, 1, tzinfo=UTC))
    ledger.mark_shelved(Pizza("ghost", 1), NOW)  # a pizza the oven does not have: nothing happens
    assert ledger.pizza("p1").shelved_at == NOW
    assert ledger.pizza("ghost") is None


def test_a_changed_capacity_applies_at_once(dynamodb):
    _seed(dynamodb, 1)
    ledger = DynamoDbLedger(TABLE, dynamodb)
    assert ledger.allocate(P1, "m", NOW) == Granted()
    assert ledger.allocate(P2, "m", NOW) == NoRoom()
    _seed(dynamodb, 3)  # a deployment raised it; the ledger's remembered capacity is stale
    assert ledger.allocate(P2, "m", NOW) == Granted()
    assert ledger.load() == Load(capacity=3, in_use=2)


def test_a_lowered_capacity_stops_arrivals_until_the_oven_empties_below_it(dynamodb):
    _seed(dynamodb, 2)
    ledger = DynamoDbLedger(TABLE, dynamodb)
    ledger.allocate(P1, "m", NOW)
    ledger.allocate(P2, "m", NOW)
    _seed(dynamodb, 1)
    ledger.take_out(P1, NOW)
    assert ledger.allocate(P3, "m", NOW) == NoRoom()
    ledger.take_out(P2, NOW)
    assert ledger.allocate(P3, "m", NOW) == Granted()


def test_an_oven_without_its_capacity_item_says_so_instead_of_waiting_forever(dynamodb):
    ledger = DynamoDbLedger(TABLE, dynamodb)
    with pytest.raises(OvenNotSeeded, match="OVEN#CAPACITY"):
        ledger.allocate(P1, "m", NOW)


def test_a_removal_hands_its_slot_to_a_waiting_pizza_in_one_step(make_ledger):
    ledger = make_ledger(1)
    ledger.allocate(P1, "m1", NOW)
    ledger.join_line(P2, "m2", NOW)

    assert ledger.hand_over(P1, P2, "0001", NOW) == Granted()
    assert ledger.load() == Load(capacity=1, in_use=1, waiting=0)
    assert ledger.pizza("p1").state is PizzaState.BAKED
    record = ledger.pizza("p2")
    assert (record.state, record.route, record.line_sequence) == (PizzaState.BAKING, Route.LINE, "0001")
    assert ledger.slot_holders()[1] == ["p2"]
    again = ledger.hand_over(P1, P3, "0002", NOW)  # a repeated removal hands nothing over
    assert isinstance(again, AlreadyKnown) and again.record.state is PizzaState.BAKED


def test_a_hand_over_to_a_pizza_no_longer_waiting_changes_nothing(make_ledger):
    ledger = make_ledger(2)
    ledger.allocate(P1, "m1", NOW)
    ledger.allocate(P2, "m2", NOW)

    assert ledger.hand_over(P1, P2, "0001", NOW) == NoRoom()
    assert ledger.pizza("p1").state is PizzaState.BAKING
    assert ledger.slot_holders() == (Load(capacity=2, in_use=2, waiting=0), ["p1", "p2"])


def test_the_load_names_the_pizzas_holding_its_slots(make_ledger):
    ledger = make_ledger(3)
    ledger.allocate(P1, "m1", NOW)
    ledger.join_line(P2, "m2", NOW)
    ledger.take_from_line(P2, "0001", NOW)
    ledger.allocate(P3, "m3", NOW)
    ledger.take_out(P1, NOW)
    ledger.give_back(P3, Route.DIRECT)

    assert ledger.slot_holders() == (Load(capacity=3, in_use=1, waiting=0), ["p2"])
    assert ledger.recount() is False


def test_a_discarded_pizza_frees_its_slot_once_and_is_remembered_as_failed(make_ledger):
    ledger = make_ledger(1)
    ledger.allocate(P1, "m1", NOW)

    assert ledger.discard(P1, "ABORTED after 1 s of 5 s", NOW) == Granted()
    again = ledger.discard(P1, "again", NOW)
    assert isinstance(again, AlreadyKnown) and again.record.state is PizzaState.FAILED
    assert ledger.load().in_use == 0 and ledger.slot_holders()[1] == []


def test_the_message_that_brought_a_pizza_is_remembered(make_ledger):
    ledger = make_ledger(1)
    ledger.allocate(P1, "m1", NOW)
    ledger.join_line(P2, "m2", NOW)

    assert ledger.pizza("p1").message_id == "m1"
    assert ledger.pizza("p2").message_id == "m2"


def test_a_recount_sets_in_use_to_the_slot_holders(dynamodb):
    _seed(dynamodb, 3)
    ledger = DynamoDbLedger(TABLE, dynamodb)
    ledger.allocate(P1, "m1", NOW)
    dynamodb.update_item(
        TableName=TABLE,
        Key=to_item({"pk": "OVEN#LOAD"}),
        UpdateExpression="SET in_use = :n",
        ExpressionAttributeValues=to_item({":n": 3}),
    )

    assert ledger.recount() is True
    assert ledger.load().in_use == 1


def test_a_throttled_read_of_the_load_is_finished_not_mistaken_for_an_unseeded_oven(dynamodb):
    """BatchGetItem may answer with UnprocessedKeys and no error: the ledger reads them again."""
    _seed(dynamodb, 2)

    class Throttling:
        def __init__(self, real):
            self.real, self.answers = real, 0

        def __getattr__(self, name):
            return getattr(self.real, name)

        def batch_get_item(self, RequestItems):
            self.answers += 1
            if self.answers == 1:
                return {"Responses": {}, "UnprocessedKeys": RequestItems}
            return self.real.batch_get_item(RequestItems=RequestItems)

    client = Throttling(dynamodb)
    assert DynamoDbLedger(TABLE, client).load() == Load(capacity=2)
    assert client.answers == 2
