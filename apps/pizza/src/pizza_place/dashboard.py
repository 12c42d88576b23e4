"""The live dashboard: stock levels over time (from the Kinesis stream), the oven, the orders, the last events.

:class:`PlaceState` is what the demo (or ``pizza watch``) has seen so far; :func:`render` draws it with rich.
Both are plain: the threads that feed the state and the ``Live`` that redraws it live in the demo and the CLI.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from pizza_place.levels import LevelBoard

__all__ = ["PlaceState", "render", "sparkline"]

_BLOCKS = " ▁▂▃▄▅▆▇█"


@dataclass
class PlaceState:
    board: LevelBoard = field(default_factory=LevelBoard)
    title: str = "Cloud Pizza Place"
    where: str = ""  # the endpoint or deployment shown in the header
    duration: float | None = None  # seconds the demo runs; None for `pizza watch`
    started: float = field(default_factory=time.monotonic)
    simulated_now: datetime | None = None  # the demo's sped-up clock (TTL sweeps use it)
    running_orders: bool = False  # False for `pizza watch`: no orders of its own to count
    phase: str = "running"
    deliveries: int = 0
    delivered: Counter[str] = field(default_factory=Counter)
    expired: Counter[str] = field(default_factory=Counter)
    orders: int = 0
    accepted: int = 0
    refused: int = 0
    refused_for: Counter[str] = field(default_factory=Counter)  # ingredient that fell short -> orders refused
    sent_to_oven: int = 0
    baked: int = 0
    oven_capacity: int | None = None
    oven_in_use: int | None = None
    oven_waiting: int | None = None  # pizzas in the waiting line
    queue_new: int | None = None
    queue_baked: int | None = None  # pizzas on BakedItems not collected yet (`pizza watch`)
    order_states: dict[str, str] = field(default_factory=dict)  # order id -> its workflow's latest status
    menu: dict[str, int] = field(default_factory=dict)  # pizza -> units available (reservations' projection)
    open_purchase_orders: int = 0
    problems: list[str] = field(default_factory=list)
    events: deque[tuple[float, str]] = field(default_factory=lambda: deque(maxlen=12))
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def event(self, text: str) -> None:
        with self.lock:
            self.events.append((time.monotonic() - self.started, text))

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def sparkline(values: list[int], width: int) -> str:
    """The last ``width`` values as block characters, scaled from 0 to the largest of them."""
    values = values[-width:]
    top = max(values, default=0)
    if top <= 0:
        return ("▁" * len(values)).rjust(width)
    steps = len(_BLOCKS) - 1
    return "".join(_BLOCKS[max(1 if v > 0 else 0, round(max(v, 0) / top * steps))] for v in values).rjust(width)


def chart_width_for(console_width: int) -> int:
    """The level charts take what the stock panel (three fifths of the screen) leaves beside the numbers."""
    return max(8, min(60, console_width * 3 // 5 - 46))


def render(state: PlaceState, *, chart_width: int = 40) -> RenderableType:
    with state.lock:
        return Group(_header(state), _body(state, chart_width), _events(state))


def _header(state: PlaceState) -> RenderableType:
    line = Text(state.title, style="bold")
    clock = f"  {state.elapsed:5.0f} s"
    if state.duration is not None and state.elapsed <= state.duration:  # past it, the phase says what goes on
        clock += f" of {state.duration:.0f} s"
    line.append(clock, style="cyan")
    if state.simulated_now is not None:
        line.append(f"   kitchen clock {state.simulated_now:%a %d %b %H:%M}", style="magenta")
    line.append(f"   {state.phase}", style="yellow" if state.phase != "running" else "green")
    if state.where:
        line.append(f"   {state.where}", style="dim")
    return line


def _body(state: PlaceState, chart_width: int) -> RenderableType:
    grid = Table.grid(expand=True, padding=(0, 1))
    grid.add_column(ratio=3)
    grid.add_column(ratio=2)
    grid.add_row(_stock_panel(state, chart_width), Group(_oven_panel(state), _orders_panel(state)))
    return grid


def _stock_panel(state: PlaceState, chart_width: int) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False)
    table.add_column("ingredient", no_wrap=True, min_width=10)
    table.add_column("level", justify="right", no_wrap=True, min_width=5)
    table.add_column("over time", no_wrap=True, min_width=chart_width)
    table.add_column("in" if state.running_orders else "", justify="right", style="dim", no_wrap=True)
    table.add_column("expired" if state.running_orders else "", justify="right", style="dim", no_wrap=True, min_width=7)
    levels = state.board.quantities()
    histories = state.board.histories()
    for type_id in sorted(set(levels) | set(state.delivered)):
        level = levels.get(type_id)
        style = "red bold" if level is not None and level <= 0 else "yellow" if level is not None and level < 5 else ""
        chart = sparkline(histories.get(type_id, []), chart_width)
        table.add_row(
            type_id,
            Text("-" if level is None else str(level), style=style),
            Text(chart, style="green"),
            str(state.delivered.get(type_id, 0)) if state.running_orders else "",
            str(state.expired.get(type_id, 0)) if state.running_orders else "",
        )
    if not levels and not state.delivered:
        table.add_row("(no level on the stream yet)", "", "", "", "")
    stream = state.board
    subtitle = f"{stream.stale} stale records dropped" if stream.stale else None
    return Panel(table, title="stock levels (Kinesis)", subtitle=subtitle, border_style="blue")


def _oven_panel(state: PlaceState) -> RenderableType:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold")
    table.add_column()
    if state.oven_capacity:
        in_use = state.oven_in_use or 0
        slots = Text("■" * in_use, style="red") + Text("□" * max(0, state.oven_capacity - in_use), style="dim")
        table.add_row("slots", slots + Text(f"  {in_use}/{state.oven_capacity}"))
    else:
        table.add_row("slots", "-")
    table.add_row("waiting", _count(state.oven_waiting))
    table.add_row("new items", _count(state.queue_new))
    if state.running_orders:
        table.add_row("baked", Text(str(state.baked), style="green bold"))
    else:
        table.add_row("baked, not collected", _count(state.queue_baked))
    return Panel(table, title="oven", border_style="red")


def _orders_panel(state: PlaceState) -> RenderableType:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold")
    table.add_column()
    if state.running_orders:
        table.add_row("orders", str(state.orders))
        table.add_row("accepted", Text(str(state.accepted), style="green"))
        refused = Text(str(state.refused), style="yellow")
        if state.refused_for:
            top = ", ".join(f"{typ} {n}" for typ, n in state.refused_for.most_common(3))
            refused.append(f"  (short of {top})", style="dim")
        table.add_row("refused", refused)
        by_state = Counter(state.order_states.values())
        if by_state:
            table.add_row("by state", ", ".join(f"{s.lower()} {n}" for s, n in sorted(by_state.items())))
        if state.menu:
            table.add_row("menu", ", ".join(f"{name} {n}" for name, n in sorted(state.menu.items())))
        table.add_row("purchase orders", f"{state.open_purchase_orders} open")
        table.add_row("deliveries", str(state.deliveries))
        table.add_row("expired", f"{sum(state.expired.values())} units")
    else:
        table.add_row("", Text("watching: orders are not counted here", style="dim"))
    for problem in state.problems[-3:]:
        table.add_row("problem", Text(problem, style="red"))
    return Panel(table, title="orders", border_style="green")


def _events(state: PlaceState) -> RenderableType:
    lines = Text()
    for at, text in state.events:
        lines.append(f"{at:6.1f}s ", style="dim")
        lines.append(text + "\n", style=_event_style(text))
    if not state.events:
        lines.append("(nothing yet)", style="dim")
    lines.rstrip()
    return Panel(lines, title="last events", border_style="magenta")


def _event_style(text: str) -> str:
    if text.startswith("PROBLEM"):
        return "bold red"
    if " refused" in text:
        return "yellow"
    if " accepted" in text:
        return "green"
    if "best-before" in text:
        return "magenta"
    if " delivered " in text:
        return "cyan"
    return ""


def _count(value: int | None) -> str:
    return "-" if value is None else str(value)
