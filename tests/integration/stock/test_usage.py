"""POST /transactions takes everything or nothing, once per transactionId, under any concurrency."""

from __future__ import annotations

import random
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from stock_target import FAR_BEST_BEFORE, unique

from localcloud.polling import eventually


def delivered(stock, **quantities: int) -> None:
    """Deliver the quantities (one batch each) and wait until they show."""
    key = f"{unique('setup')}.csv"
    stock.deliver(key, "".join(f"{type_id},{q},{FAR_BEST_BEFORE}\n" for type_id, q in quantities.items()))
    stock.wait_for_report(key)
    for type_id, quantity in quantities.items():
        stock.wait_for_level(type_id, lambda level, quantity=quantity: level["quantity"] >= quantity)


def test_a_usage_takes_every_item_and_answers_with_the_new_levels(stock):
    ham, basil = unique("ham"), unique("basil")
    delivered(stock, **{ham: 10, basil: 4})
    answer = stock.use(unique("order"), **{ham: 3, basil: 4})
    assert answer.status == 201
    assert answer.json()["levels"] == [
        {"typeId": type_id, "quantity": quantity, "version": 2}
        for type_id, quantity in sorted({ham: 7, basil: 0}.items())
    ]


def test_a_usage_that_falls_short_takes_nothing_and_names_each_short_item(stock):
    ham, basil, truffle = unique("ham"), unique("basil"), unique("truffle")
    delivered(stock, **{ham: 10, basil: 1})
    answer = stock.use(unique("order"), **{ham: 2, basil: 3, truffle: 1})
    assert answer.status == 409
    body = answer.json()
    assert body["error"] == "OutOfStock"
    assert body["details"]["shortfalls"] == [
        {"typeId": basil, "requested": 3, "available": 1},
        {"typeId": truffle, "requested": 1, "available": 0},
    ]
    assert stock.level(ham)["quantity"] == 10, "the item that was there was not taken either"


def test_bad_requests_are_400s_that_name_the_field_and_unknown_ingredients_are_404s(stock):
    answer = stock.call("POST", "/transactions", "/transactions", {"transactionId": "t", "items": [{"typeId": "ham"}]})
    assert answer.status == 400
    assert [problem["field"] for problem in answer.json()["details"]] == ["items.0.quantity"]
    answer = stock.call(
        "POST", "/transactions", "/transactions", {"transactionId": "t", "items": [{"typeId": "ham", "quantity": 0}]}
    )
    assert (answer.status, answer.json()["details"][0]["field"]) == (400, "items.0.quantity")
    assert stock.call("GET", "/stock/{typeId}", f"/stock/{unique('unknown')}", None).status == 404
    assert stock.call("GET", "/stock/{typeId}", "/stock/Not_A_Slug", None).status == 400


def test_an_unsigned_request_is_refused(stock):
    try:
        urllib.request.urlopen(stock.api.base_url.rstrip("/") + "/stock", timeout=10)
        raise AssertionError("an unsigned request was answered")
    except urllib.error.HTTPError as refused:
        assert refused.code == 403


def test_a_replayed_transaction_gets_its_first_answer_and_changes_nothing(stock):
    ham = unique("ham")
    delivered(stock, **{ham: 10})
    order = unique("order")
    first = stock.use(order, **{ham: 4})
    assert first.status == 201
    replay = stock.use(order, **{ham: 4})
    assert (replay.status, replay.json()) == (201, first.json())
    assert stock.level(ham) == {"typeId": ham, "quantity": 6, "version": 2}

    reused = stock.use(order, **{ham: 5})
    assert (reused.status, reused.json()["error"]) == (409, "TransactionIdReused")
    assert stock.level(ham)["quantity"] == 6


def test_concurrent_clients_on_the_same_ingredients_leave_exact_totals_and_never_a_negative_level(stock):
    dough, cheese = unique("dough"), unique("cheese")
    key = f"{unique('setup')}.csv"
    supply = {dough: [60, 50, 40], cheese: [30, 30]}
    stock.deliver(
        key,
        "".join(f"{type_id},{q},{FAR_BEST_BEFORE}\n" for type_id, batches in supply.items() for q in batches),
    )
    stock.wait_for_report(key)
    stock.wait_for_level(cheese, lambda level: level["quantity"] == 60)
    rng = random.Random(42)
    orders = [(unique("order"), {dough: rng.randint(1, 4), cheese: rng.randint(1, 3)}) for _ in range(32 * 4)]

    def place(order: tuple[str, dict[str, int]]) -> tuple[str, dict[str, int], int]:
        transaction_id, items = order
        return transaction_id, items, stock.use(transaction_id, **items).status

    with ThreadPoolExecutor(max_workers=32) as clients:
        outcomes = list(clients.map(place, orders))

    assert {status for _, _, status in outcomes} <= {201, 409}
    used = {type_id: sum(items[type_id] for _, items, status in outcomes if status == 201) for type_id in supply}
    final = {type_id: stock.level(type_id)["quantity"] for type_id in supply}
    assert final == {type_id: sum(supply[type_id]) - used[type_id] for type_id in supply}
    assert min(final.values()) >= 0
    assert any(status == 409 for _, _, status in outcomes), "demand exceeded supply, so some orders were refused"

    for type_id in supply:
        records = eventually(
            lambda type_id=type_id: (
                (found := stock.records_of(type_id)) and found[-1]["quantity"] == final[type_id] and found
            ),
            f"the levels stream to catch up with {type_id}",
        )
        assert min(record["quantity"] for record in records) >= 0, "no level ever broadcast was negative"

    transaction_id, items, status = outcomes[0]
    assert stock.use(transaction_id, **items).status == status
    assert {type_id: stock.level(type_id)["quantity"] for type_id in supply} == final


def test_the_last_record_of_each_ingredient_on_the_levels_stream_is_its_level(stock):
    ham, basil = unique("ham"), unique("basil")
    delivered(stock, **{ham: 9, basil: 9})
    for n in range(3):
        assert stock.use(unique(f"order-{n}"), **{ham: 2, basil: 1}).status == 201
    for type_id in (ham, basil):
        level = stock.level(type_id)

        def caught_up(type_id=type_id, level=level):
            records = stock.records_of(type_id)
            return records if records and records[-1]["version"] == level["version"] else None

        records = eventually(caught_up, f"the levels stream to carry version {level['version']} of {type_id}")
        last = records[-1]
        assert (last["partitionKey"], last["quantity"], last["schemaVersion"]) == (type_id, level["quantity"], 1)
        versions = [record["version"] for record in records]
        assert sorted(set(versions)) == list(range(1, level["version"] + 1)), "every change was broadcast"
        assert max(versions) == level["version"]


def test_sixty_four_clients_racing_on_one_ingredient_get_only_201s_and_409s_and_exactly_the_winners_that_fit(
    stock, localcloud
):
    dough = unique("dough")
    key = f"{unique('setup')}.csv"
    stock.deliver(key, f"{dough},20,{FAR_BEST_BEFORE}\n{dough},20,{FAR_BEST_BEFORE}\n{dough},10,{FAR_BEST_BEFORE}\n")
    stock.wait_for_report(key)
    stock.wait_for_level(dough, lambda level: level["quantity"] == 50)
    orders = [unique("order") for _ in range(64)]

    def place(order: str) -> int:
        return stock.use(order, **{dough: 1}).status

    with ThreadPoolExecutor(max_workers=64) as clients:
        statuses = list(clients.map(place, orders))

    assert sorted(set(statuses)) == [201, 409], f"never a 5xx: {sorted(statuses)}"
    assert statuses.count(201) == 50, "every unit went to exactly one winner"
    assert stock.level(dough) == {"typeId": dough, "quantity": 0, "version": 51}
    replays = [stock.use(order, **{dough: 1}).status for order in orders[:8]]
    assert replays == statuses[:8], "each client's answer is its first one"
    if localcloud.cloud is not None:  # contention was met, retried within the function's time, and counted
        log = (localcloud.cloud.log_dir / "pizza-stock-api.log").read_text()
        assert '"UsageContention"' in log


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 10_000 + b"]" * 10_000, "the body nests 10000 levels deep; at most 32 are accepted"),
        (b'{"transactionId": "t", "items": [{"typeId": "ham", "quantity": ' + b"9" * 5000 + b"}]}", "more than 4,300"),
        (b'{"transactionId": "t", "items": [{"typeId": "ham", "quantity": NaN}]}', "NaN, which is not a JSON number"),
        (b'{"transactionId": "t", "transactionId": "u", "items": []}', "the name 'transactionId' twice"),
        (b'{"transactionId": "t", "items": [', "the body is not valid JSON"),
        (b'{"transactionId": "caf\xe9"}', "the body is not UTF-8 text"),
    ],
)
def test_a_body_that_cannot_be_read_is_a_400_in_the_error_shape_that_says_why(stock, body, message):
    answer = stock.call("POST", "/transactions", "/transactions", body)
    assert (answer.status, answer.json()["error"]) == (400, "InvalidInput")
    assert message in answer.json()["message"]


def test_a_usage_that_drains_hundreds_of_batches_is_a_201(stock):
    oregano = unique("oregano")
    key = f"{unique('delivery')}.csv"
    stock.deliver(key, f"{oregano},1,{FAR_BEST_BEFORE}\n" * 400)
    assert stock.wait_for_report(key)["accepted"] == 400
    answer = stock.use(unique("big"), **{oregano: 399})  # 399 batches drained in one write
    assert answer.status == 201, answer.json()
    assert stock.level(oregano)["quantity"] == 1
