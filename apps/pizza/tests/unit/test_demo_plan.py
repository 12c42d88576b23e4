import csv
import io
import random
import threading
from datetime import date

from pizza_place.demo import Delivery, Gate, order_rate, plan_delivery
from pizza_place.menu import INGREDIENTS, MENU, SUPPLIERS


def test_every_ingredient_on_the_menu_has_a_supplier():
    supplied = {type_id for supplier in SUPPLIERS for type_id in supplier.batches}
    assert set(INGREDIENTS) <= supplied
    assert all(pizza.ingredients for pizza in MENU)


def test_a_planned_delivery_is_a_csv_the_stock_service_reads():
    today = date(2030, 3, 1)
    delivery = plan_delivery(SUPPLIERS[2], today, "deliveries/x/0001-greengrocer.csv", random.Random(7))
    rows = list(csv.reader(io.StringIO(delivery.csv().decode())))
    assert rows[0] == ["typeId", "quantity", "expiresAt"]
    assert len(rows) == 1 + 2 * len(SUPPLIERS[2].batches)
    for type_id, quantity, expires_at in rows[1:]:
        assert type_id in SUPPLIERS[2].batches
        assert int(quantity) > 0
        assert date.fromisoformat(expires_at) >= today


def test_the_same_seed_plans_the_same_delivery():
    plan = lambda seed: plan_delivery(SUPPLIERS[0], date(2030, 3, 1), "k.csv", random.Random(seed))  # noqa: E731
    assert plan(3) == plan(3)


def test_rows_rejected_by_line_number_are_left_out_of_the_ledger():
    delivery = Delivery("k.csv", "deli", (("ham", 1, date(2030, 1, 1)), ("olive", 2, date(2030, 1, 1))))
    assert delivery.accepted_rows({2}) == [("olive", 2, date(2030, 1, 1))]


def test_the_order_rate_swings_around_its_average_and_never_stops():
    rates = [order_rate(2.0, second) for second in range(80)]
    assert min(rates) >= 0.1
    assert max(rates) > 2.0 > min(rates)
    assert abs(sum(rates) / len(rates) - 2.0) < 0.1


def test_the_gate_closes_only_once_the_orders_inside_are_done_and_holds_new_ones():
    gate = Gate()
    inside, leave = threading.Event(), threading.Event()
    closed, reopen = threading.Event(), threading.Event()
    second_order_in = threading.Event()

    def first_order():
        with gate.order():
            inside.set()
            leave.wait(5)

    def kitchen():
        with gate.closed():
            closed.set()
            reopen.wait(5)

    def second_order():
        with gate.order():
            second_order_in.set()

    threads = [threading.Thread(target=f) for f in (first_order, kitchen, second_order)]
    threads[0].start()
    assert inside.wait(5)
    threads[1].start()
    assert not closed.wait(0.2)  # the kitchen waits for the order inside
    leave.set()
    assert closed.wait(5)
    threads[2].start()
    assert not second_order_in.wait(0.2)  # a new order waits while the gate is closed
    reopen.set()
    assert second_order_in.wait(5)
    for thread in threads:
        thread.join(5)


def test_a_later_delivery_restocks_what_was_used_since_the_suppliers_last_visit():
    dairy = next(s for s in SUPPLIERS if s.name == "dairy")
    delivery = plan_delivery(dairy, date(2030, 3, 1), "k.csv", random.Random(1), {"mozzarella": 100})
    total = sum(quantity for _, quantity, _ in delivery.rows)
    assert len(delivery.rows) == 2
    assert 100 * dairy.restock * 0.8 <= total <= 100 * dairy.restock * 1.2 + 1


def test_a_supplier_whose_goods_were_not_used_still_brings_its_least():
    dairy = next(s for s in SUPPLIERS if s.name == "dairy")
    delivery = plan_delivery(dairy, date(2030, 3, 1), "k.csv", random.Random(1), {})
    assert sum(quantity for _, quantity, _ in delivery.rows) == 2 * dairy.batches["mozzarella"][0]


def test_an_orders_ingredients_were_used_once_its_workflow_went_past_the_stock():
    from pizza_place.demo import used_ingredients

    assert used_ingredients("COOKING", None) and used_ingredients("CONFIRMED", None)
    assert used_ingredients("REFUSED", "oven: not baked within 600 s")
    assert not used_ingredients("REFUSED", "stock: short of dough (1 asked, 0 left)")
    assert not used_ingredients("REFUSED", "reservations: order o-1: short of margherita (1 asked, 0 available)")
    assert not used_ingredients("FAILED", "States.TaskFailed: ...")


def test_a_refusal_names_the_ingredients_it_was_short_of():
    from pizza_place.demo import refusal_causes

    reason = "stock: short of dough (1 asked, 0 left), tomato (1 asked, 0 left)"
    assert refusal_causes(reason) == ["dough", "tomato"]
    assert refusal_causes("reservations: order o-1: short of margherita") == ["sold out"]
