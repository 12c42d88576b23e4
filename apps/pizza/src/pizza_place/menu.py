"""What the pizza place sells and what each pizza takes: the recipes, and who supplies which ingredient."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["INGREDIENTS", "MENU", "SUPPLIERS", "Pizza", "Supplier"]


@dataclass(frozen=True)
class Pizza:
    name: str
    ingredients: dict[str, int]  # typeId -> quantity, as POST /transactions takes them
    baking_time_secs: int  # sped up, as everything in the demo


MENU: tuple[Pizza, ...] = (
    Pizza("margherita", {"dough": 1, "tomato": 1, "mozzarella": 2, "basil": 1}, 2),
    Pizza("prosciutto", {"dough": 1, "tomato": 1, "mozzarella": 1, "ham": 2}, 3),
    Pizza("funghi", {"dough": 1, "tomato": 1, "mozzarella": 1, "mushroom": 2}, 3),
    Pizza("diavola", {"dough": 1, "tomato": 1, "mozzarella": 2, "pepperoni": 2}, 3),
    Pizza("hawaiian", {"dough": 1, "tomato": 1, "mozzarella": 1, "ham": 1, "pineapple": 2}, 4),
    Pizza("capricciosa", {"dough": 1, "tomato": 1, "mozzarella": 1, "ham": 1, "mushroom": 1, "olive": 1}, 4),
)

# How popular each pizza is: the weights orders are drawn with.
POPULARITY: dict[str, int] = {
    "margherita": 5,
    "prosciutto": 3,
    "funghi": 2,
    "diavola": 3,
    "hawaiian": 2,
    "capricciosa": 1,
}


@dataclass(frozen=True)
class Supplier:
    name: str  # a slug: it goes into the object key of its deliveries
    # typeId -> (smallest, largest) quantity of one batch: the opening stock, and the least it brings
    batches: dict[str, tuple[int, int]]
    shelf_life_days: tuple[int, int]  # best-before, in days after the delivery, (soonest, latest)
    # Each later delivery restocks what orders asked for since this supplier's last one, times this
    # (give or take a fifth), so supply follows demand however fast the machine serves orders: twice, as
    # the supplier's next visit can be many orders away (1.3 left half the orders refused).
    restock: float = 2.0


SUPPLIERS: tuple[Supplier, ...] = (
    Supplier("mill", {"dough": (10, 16)}, (3, 5)),
    Supplier("dairy", {"mozzarella": (18, 26)}, (3, 4)),
    Supplier("greengrocer", {"tomato": (10, 16), "basil": (4, 7), "mushroom": (3, 6)}, (3, 5)),
    Supplier("deli", {"ham": (6, 10), "pepperoni": (4, 7), "olive": (1, 2)}, (3, 6)),
    # Pineapple is scarce: the importer brings less than the kitchen uses, so hawaiians get refused.
    Supplier("importer", {"pineapple": (1, 4)}, (3, 5), restock=0.7),
)

INGREDIENTS: tuple[str, ...] = tuple(sorted({typ for pizza in MENU for typ in pizza.ingredients}))
