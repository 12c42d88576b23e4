"""``pizza items ...`` and ``pizza reserve ...`` against the session's target."""

from __future__ import annotations

import json

from conftest import unique

from localcloud.polling import eventually
from pizza_place.cli import main


def pizza(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_adjust_list_reserve_confirm_and_history(capsys, localcloud):
    outputs = str(localcloud.outputs_path)
    item = unique("tiramisu")
    code, out, _ = pizza(capsys, "--outputs", outputs, "items", "adjust", item, "3", "--reason", "made today")
    assert code == 0 and out.startswith("adjustment ") and out.strip().endswith(f"of +3 {item} queued")

    def listed() -> str | None:
        code, out, _ = pizza(capsys, "--outputs", outputs, "items", "list", item)
        return out if code == 0 and "available      3" in out else None

    assert "IN STOCK" in eventually(listed, f"{item} listed with 3 available", timeout=60)
    code, out, _ = pizza(capsys, "--outputs", outputs, "reserve", item, "2", "--id", unique("cli"), "--hold", "60")
    assert code == 0 and f": 2 {item} held until " in out
    code, out, err = pizza(capsys, "--outputs", outputs, "reserve", item, "2")
    assert (code, out) == (1, "") and "only 1 of" in err
    code, out, _ = pizza(capsys, "--outputs", outputs, "items", "history", item)
    assert [json.loads(line)["type"] for line in out.splitlines()] == ["Adjusted", "Reserved"]
    code, _, err = pizza(capsys, "--outputs", outputs, "reserve", "--show", unique("nobody"))
    assert code == 2 and "no reservation" in err


def test_the_listing_shows_every_item_page_after_page_each_once_by_id(capsys, localcloud, reservations, listed_items):
    first = reservations.items().json()
    assert "next" in first, "the API answers the listing in pages: more items than its first page holds"
    outputs = str(localcloud.outputs_path)
    code, out, _ = pizza(capsys, "--outputs", outputs, "items", "list", "--json")
    assert code == 0
    shown = [item["itemId"] for item in json.loads(out)]
    assert set(listed_items) <= set(shown)
    assert shown == sorted(set(shown)), "each item once, by id"
    code, out, _ = pizza(capsys, "--outputs", outputs, "items", "list")
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert code == 0 and all("IN STOCK" in lines[item] and "available      1" in lines[item] for item in listed_items)
