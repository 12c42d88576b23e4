"""The DynamoDB ledger against moto in process, and the in-memory fake held to the same contract."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from fakes import FakeLedger
from moto import mock_aws

from pizza_common.dynamodb import to_item
from pizza_oven.adapters.ledger import CAPACITY_KEY, DynamoDbLedger
from pizza_oven.domain.model import AlreadyKnown, Granted, Load, NoRoom, OvenNotSeeded, Pizza, PizzaState, Route

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TABLE = "test-oven-state"


@pytest.fixture
def dynamodb():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
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
    assert ledger.allocate(P1, NOW) == Granted()
    assert ledger.allocate(P2, NOW) == Granted()
    assert ledger.allocate(P3, NOW) == NoRoom()
    assert ledger.load() == Load(capacity=2, in_use=2, waiting=0)


def test_an_arrival_takes_no_slot_while_a_pizza_waits(make_ledger):
    ledger = make_ledger(2)
    assert ledger.join_line(P1, NOW) == Granted()
    assert ledger.allocate(P2, NOW) == NoRoom()
    assert ledger.load() == Load(capacity=2, in_use=0, waiting=1)


def test_a_pizza_seen_before_is_reported_with_what_the_oven_knows(make_ledger):
    ledger = make_ledger(2)
    ledger.allocate(P1, NOW)
    known = ledger.allocate(P1, NOW)
    assert isinstance(known, AlreadyKnown)
    assert known.record.state is PizzaState.BAKING
    assert known.record.baking_time_secs == 5
    assert known.record.route is Route.DIRECT
    assert isinstance(ledger.join_line(P1, NOW), AlreadyKnown)
    assert ledger.load().in_use == 1


def test_a_waiting_pizza_takes_a_slot_only_when_one_is_free(make_ledger):
    ledger = make_ledger(1)
    ledger.allocate(P1, NOW)
    ledger.join_line(P2, NOW)
    assert ledger.take_from_line(P2, "0001", NOW) == NoRoom()
    assert ledger.take_out(P1, NOW) == Granted()
    assert ledger.take_from_line(P2, "0001", NOW) == Granted()
    assert ledger.load() == Load(capacity=1, in_use=1, waiting=0)
    record = ledger.pizza("p2")
    assert (record.state, record.route, record.line_sequence) == (PizzaState.BAKING, Route.LINE, "0001")


def test_a_line_entry_for_a_pizza_no_longer_waiting_is_reported_not_taken(make_ledger):
    ledger = make_ledger(2)
    ledger.allocate(P1, NOW)
    known = ledger.take_from_line(P1, "0001", NOW)
    assert isinstance(known, AlreadyKnown)
    assert known.record.state is PizzaState.BAKING
    assert ledger.take_from_line(P3, "0002", NOW) == AlreadyKnown(None)
    assert ledger.load().in_use == 1


def test_taking_out_frees_the_slot_exactly_once(make_ledger):
    ledger = make_ledger(1)
    ledger.allocate(P1, NOW)
    assert ledger.take_out(P1, NOW) == Granted()
    again = ledger.take_out(P1, NOW)
    assert isinstance(again, AlreadyKnown)
    assert again.record.state is PizzaState.BAKED
    assert again.record.baked_at == NOW
    assert ledger.load().in_use == 0


def test_giving_back_an_arrivals_slot_forgets_the_pizza(make_ledger):
    ledger = make_ledger(1)
    ledger.allocate(P1, NOW)
    ledger.give_back(P1, Route.DIRECT)
    ledger.give_back(P1, Route.DIRECT)  # a second give-back changes nothing
    assert ledger.load().in_use == 0
    assert ledger.pizza("p1") is None


def test_giving_back_a_line_pizzas_slot_puts_it_back_to_waiting(make_ledger):
    ledger = make_ledger(1)
    ledger.join_line(P1, NOW)
    ledger.take_from_line(P1, "0001", NOW)
    ledger.give_back(P1, Route.LINE)
    ledger.give_back(P1, Route.LINE)
    assert ledger.load() == Load(capacity=1, in_use=0, waiting=1)
    assert ledger.pizza("p1").state is PizzaState.WAITING


def test_a_started_pizza_keeps_its_slot(make_ledger):
    ledger = make_ledger(1)
    ledger.allocate(P1, NOW)
    ledger.mark_started(P1, "execution-p1", NOW)
    ledger.give_back(P1, Route.DIRECT)
    assert ledger.load().in_use == 1
    assert ledger.pizza("p1").started_at == NOW


def test_marks_are_kept_from_the_first_time(make_ledger):
    ledger = make_ledger(1)
    ledger.allocate(P1, NOW)
    ledger.take_out(P1, NOW)
    ledger.mark_shelved(P1, NOW)
    ledger.mark_shelved(P1, datetime(2030, 1, 1, tzinfo=UTC))
    ledger.mark_shelved(Pizza("ghost", 1), NOW)  # a pizza the oven does not have: nothing happens
    assert ledger.pizza("p1").shelved_at == NOW
    assert ledger.pizza("ghost") is None


def test_a_changed_capacity_applies_at_once(dynamodb):
    _seed(dynamodb, 1)
    ledger = DynamoDbLedger(TABLE, dynamodb)
    assert ledger.allocate(P1, NOW) == Granted()
    assert ledger.allocate(P2, NOW) == NoRoom()
    _seed(dynamodb, 3)  # a deployment raised it; the ledger's remembered capacity is stale
    assert ledger.allocate(P2, NOW) == Granted()
    assert ledger.load() == Load(capacity=3, in_use=2)


def test_a_lowered_capacity_stops_arrivals_until_the_oven_empties_below_it(dynamodb):
    _seed(dynamodb, 2)
    ledger = DynamoDbLedger(TABLE, dynamodb)
    ledger.allocate(P1, NOW)
    ledger.allocate(P2, NOW)
    _seed(dynamodb, 1)
    ledger.take_out(P1, NOW)
    assert ledger.allocate(P3, NOW) == NoRoom()
    ledger.take_out(P2, NOW)
    assert ledger.allocate(P3, NOW) == Granted()


def test_an_oven_without_its_capacity_item_says_so_instead_of_waiting_forever(dynamodb):
    ledger = DynamoDbLedger(TABLE, dynamodb)
    with pytest.raises(OvenNotSeeded, match="OVEN#CAPACITY"):
        ledger.allocate(P1, NOW)
