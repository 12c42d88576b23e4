"""The promises the demo holds the running pizza place to, checked from what it observed.

1. No level is ever negative: not on the Kinesis stream, not from ``GET /stock``.
2. Every accepted order is baked exactly once, and nothing else comes out of the oven (a refused order, a
   pizza nobody ordered).
3. Every level equals what was delivered, minus what accepted orders used, minus what expired (see
   :mod:`pizza_place.ledger` for why that is exact).
4. The oven gives every slot back: nothing is in the oven once it has drained, and it never held more
   pizzas than its capacity.
5. The stream agrees with the API: the last level broadcast for each ingredient is its level.
6. Every order is answered: accepted (its ingredients used) or refused with a reason, nothing else; and
   nothing else went wrong while the demo ran.
7. No order is lost: every order placed ends, CONFIRMED or REFUSED, its workflow's path complete.
8. No order is confirmed without its pizza having come out of the oven.
9. No sellable item is oversold (sold <= supply, never less than nothing available, sold = the orders
   confirmed for it), and no reservation is left held once every order ended.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Observations", "Violation", "check"]


@dataclass(frozen=True)
class Violation:
    invariant: str  # a short name: "negative level", "baked exactly once", ...
    detail: str

    def __str__(self) -> str:
        return f"{self.invariant}: {self.detail}"


@dataclass
class Observations:
    """Everything the demo saw, in plain values (filled by the demo, or by a test)."""

    # Every level seen: (where it was seen, typeId, quantity), e.g. ("kinesis v12", "ham", 3).
    levels_seen: list[tuple[str, str, int]] = field(default_factory=list)
    accepted: set[str] = field(default_factory=set)  # order ids the stock service accepted (201)
    refused: set[str] = field(default_factory=set)  # order ids it refused (409)
    baked: Counter[str] = field(default_factory=Counter)  # pizza id -> times it came out of the oven
    final_levels: dict[str, int] = field(default_factory=dict)  # GET /stock at the end
    expected_levels: dict[str, int] = field(default_factory=dict)  # the ledger's delivered - used - expired
    explanations: dict[str, str] = field(default_factory=dict)  # typeId -> the ledger's arithmetic
    streamed_levels: dict[str, int] | None = None  # the newest Kinesis record per ingredient, if read
    oven_in_use_at_end: int | None = None
    oven_capacity: int | None = None
    oven_in_use_seen: list[int] = field(default_factory=list)
    # Answers to POST /transactions other than 201 and 409: "<order>: <status> <message>".
    unexpected_answers: list[str] = field(default_factory=list)
    placed: set[str] = field(default_factory=set)  # order ids placed on the bus
    ended: dict[str, str] = field(default_factory=dict)  # order id -> the status it ended in
    confirmed_per_item: Counter[str] = field(default_factory=Counter)  # item -> orders confirmed for it
    menu_items: dict[str, dict[str, int]] = field(default_factory=dict)  # item -> supply, sold, reserved, available
    # Anything else that went wrong (a report that never came, a queue that could not be read): the run's
    # own account may then be incomplete, so it fails too.
    errors: list[str] = field(default_factory=list)


def check(seen: Observations) -> list[Violation]:
    """Every broken promise, each named with what was seen; an empty list when the pizza place held."""
    violations: list[Violation] = []
    violations += _no_negative_level(seen)
    violations += _baked_exactly_once(seen)
    violations += _levels_add_up(seen)
    violations += _oven_gives_slots_back(seen)
    violations += _stream_agrees(seen)
    violations += _no_order_lost(seen)
    violations += _menu_holds(seen)
    violations += [Violation("every order answered", detail) for detail in seen.unexpected_answers]
    violations += [Violation("no errors", error) for error in seen.errors]
    return violations


def _no_negative_level(seen: Observations) -> list[Violation]:
    negative = [(where, typ, qty) for where, typ, qty in seen.levels_seen if qty < 0]
    negative += [("GET /stock at the end", typ, qty) for typ, qty in seen.final_levels.items() if qty < 0]
    return [Violation("negative level", f"{typ} was {qty} ({where})") for where, typ, qty in negative]


def _baked_exactly_once(seen: Observations) -> list[Violation]:
    violations = []
    for order in sorted(seen.accepted):
        times = seen.baked.get(order, 0)
        if times != 1:
            violations.append(Violation("baked exactly once", f"accepted order {order} was baked {times} times"))
    for pizza in sorted(set(seen.baked) - seen.accepted):
        why = "a refused order" if pizza in seen.refused else "never accepted"
        violations.append(Violation("baked exactly once", f"pizza {pizza} came out of the oven but was {why}"))
    return violations


def _levels_add_up(seen: Observations) -> list[Violation]:
    violations = []
    for typ in sorted(set(seen.expected_levels) | set(seen.final_levels)):
        expected, actual = seen.expected_levels.get(typ, 0), seen.final_levels.get(typ, 0)
        if expected != actual:
            how = seen.explanations.get(typ, f"expected {expected}")
            violations.append(Violation("levels add up", f"{typ} is {actual}, but {how}"))
    return violations


def _oven_gives_slots_back(seen: Observations) -> list[Violation]:
    violations = []
    if seen.oven_in_use_at_end not in (None, 0):
        violations.append(
            Violation("oven slots", f"{seen.oven_in_use_at_end} slots still in use after the oven drained")
        )
    if seen.oven_capacity is not None:
        over = [n for n in seen.oven_in_use_seen if n > seen.oven_capacity or n < 0]
        if over:
            violations.append(
                Violation("oven slots", f"slots in use read {over[0]} with a capacity of {seen.oven_capacity}")
            )
    return violations


def _stream_agrees(seen: Observations) -> list[Violation]:
    if seen.streamed_levels is None:
        return []
    violations = []
    for typ, actual in sorted(seen.final_levels.items()):
        streamed = seen.streamed_levels.get(typ)
        if streamed is None and actual != 0:
            violations.append(Violation("stream agrees", f"{typ} is {actual} but no level of it was ever broadcast"))
        elif streamed is not None and streamed != actual:
            violations.append(
                Violation(
                    "stream agrees", f"the last level broadcast for {typ} is {streamed}, GET /stock says {actual}"
                )
            )
    return violations


def _no_order_lost(seen: Observations) -> list[Violation]:
    violations = [
        Violation("no order lost", f"order {order} never ended") for order in sorted(seen.placed - set(seen.ended))
    ]
    for order, status in sorted(seen.ended.items()):
        if status == "CONFIRMED" and seen.baked.get(order, 0) == 0:
            violations.append(Violation("confirmed only when baked", f"order {order} confirmed, never baked"))
    return violations


def _menu_holds(seen: Observations) -> list[Violation]:
    violations = []
    for item, counts in sorted(seen.menu_items.items()):
        if counts["sold"] > counts["supply"] or counts["available"] < 0:
            violations.append(Violation("never oversold", f"{item}: {counts}"))
        if counts["sold"] != seen.confirmed_per_item.get(item, 0):
            confirmed = seen.confirmed_per_item.get(item, 0)
            violations.append(
                Violation("never oversold", f"{item}: sold {counts['sold']}, {confirmed} orders confirmed")
            )
        if counts["reserved"] != 0:
            violations.append(Violation("no reservation left held", f"{item}: {counts['reserved']} still reserved"))
    return violations


def describe(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(counts.items())) or "none"
