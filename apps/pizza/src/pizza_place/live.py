"""Running the pizza place in a terminal: ``pizza demo`` (its own local cloud) and ``pizza watch`` (any target).

With a terminal the dashboard redraws in place (rich ``Live``); with ``--no-tty`` the same run prints plain
lines. Ctrl-C once stops the orders, lets the oven drain and prints the summary; twice stops at once. The
local cloud is stopped in every case, failures included.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from rich.console import Console, RenderableType
from rich.live import Live

from pizza_place.client import OvenClient, StockClient
from pizza_place.dashboard import PlaceState, chart_width_for, render
from pizza_place.demo import DemoSettings, PizzaPlace, Progress, read_oven_into
from pizza_place.errors import INTERRUPTED, NO_TARGET, REFUSED, CliError
from pizza_place.invariants import Observations, Violation, check
from pizza_place.levels import KinesisLevelFeed
from pizza_place.target import Target, load_target

__all__ = ["run_demo", "summary", "watch"]


class _Interrupts:
    """SIGINT once: ``stop`` (finish gracefully); twice, or SIGTERM/SIGHUP: ``abort``; then KeyboardInterrupt."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.abort = threading.Event()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.abort.is_set():
            raise KeyboardInterrupt
        if self.stop.is_set() or signum != signal.SIGINT:  # SIGTERM, SIGHUP (the terminal went away): no waiting
            self.abort.set()
        self.stop.set()

    @contextlib.contextmanager
    def installed(self) -> Iterator[_Interrupts]:
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def run_demo(
    settings: DemoSettings,
    *,
    tty: bool,
    state_dir: Path,
    chaos: bool = False,
    oven_capacity: int | None = None,
    screenshot: Path | None = None,
    out: Console | None = None,
) -> int:
    import localcloud
    from localcloud.discovery import entry_point_stacks

    console = out or Console(highlight=False)
    progress = Progress(None if tty else console.file)
    if oven_capacity is not None:
        os.environ["OVEN_CAPACITY"] = str(oven_capacity)  # read by the oven's stack (Terraform: oven_capacity)
    stacks = entry_point_stacks("pizza")
    if not {"stock", "oven"} <= {stack.name for stack in stacks}:
        raise CliError("the stock and oven stacks are not installed: run `make install`", NO_TARGET)
    interrupts = _Interrupts()
    with interrupts.installed():
        console.print(f"starting the local cloud ({', '.join(s.name for s in stacks)}) in {state_dir}", highlight=False)
        with localcloud.start(stacks, state_dir=state_dir, chaos_duplicates=chaos) as cloud:
            console.print(f"local cloud up at {cloud.endpoint}; logs in {cloud.log_dir}", highlight=False)
            target = load_target([cloud.outputs_path])
            state = PlaceState(where=cloud.endpoint + (" (chaos: duplicates)" if chaos else ""))
            place = PizzaPlace(target, settings, state, sweep=cloud.ttl_sweep, progress=progress)
            with _screenshot(state, screenshot, at=settings.duration * 0.75):
                if tty:
                    with Live(console=console, get_renderable=lambda: _frame(console, state), refresh_per_second=4):
                        seen = place.run(interrupts.stop, interrupts.abort)
                else:
                    seen = place.run(interrupts.stop, interrupts.abort)
            console.print("stopping the local cloud", highlight=False)
    if interrupts.abort.is_set():
        console.print(summary(state, seen, None), highlight=False, soft_wrap=True)
        return INTERRUPTED
    violations = check(seen)
    console.print(summary(state, seen, violations), highlight=False, soft_wrap=True)
    return REFUSED if violations else 0


def summary(state: PlaceState, seen: Observations, violations: list[Violation] | None) -> str:
    """What happened, in plain lines, and whether every invariant held."""
    with state.lock:
        lines = [
            "",
            f"== the pizza place after {state.elapsed:.0f} s",
            f"deliveries   {state.deliveries} ({sum(state.delivered.values())} units)",
            f"orders       {state.orders}: accepted {state.accepted}, refused {state.refused}"
            + (
                f" (short of {', '.join(f'{t} {n}' for t, n in state.refused_for.most_common())})"
                if state.refused_for
                else ""
            ),
            f"baked        {state.baked} of {len(seen.accepted)} accepted",
            f"expired      {sum(state.expired.values())} units"
            + (f" ({', '.join(f'{t} {q}' for t, q in sorted(state.expired.items()) if q)})" if state.expired else ""),
        ]
    if seen.final_levels:
        width = max(len(t) for t in seen.final_levels)
        lines.append("final levels (GET /stock; the demo's ledger: delivered - used - expired)")
        for type_id, quantity in seen.final_levels.items():
            lines.append(f"  {type_id:<{width}}  {quantity:>5}   {seen.explanations.get(type_id, '')}")
    with state.lock:
        by_state = Counter(seen.ended.values())
        still = len(seen.placed) - len(seen.ended)
        lines.append(
            f"order workflows: {', '.join(f'{s.lower()} {n}' for s, n in sorted(by_state.items())) or 'none'}"
            + (f", not ended {still}" if still else "")
            + (f"; menu left: {', '.join(f'{p} {n}' for p, n in sorted(state.menu.items()))}" if state.menu else "")
        )
    if violations is None:
        lines.append("stopped before the oven drained: the invariants were not checked")
    elif violations:
        lines.append(f"INVARIANTS BROKEN ({len(violations)}):")
        lines += [f"  - {violation}" for violation in violations[:50]]
        if len(violations) > 50:
            lines.append(f"  ... and {len(violations) - 50} more")
    else:
        lines.append(
            "invariants held: no negative level; every accepted order baked exactly once; every level = "
            "delivered - used - expired; the stream agrees with the API; the oven gave every slot back; "
            "no order lost, none confirmed unbaked, nothing oversold, no reservation left held"
        )
    return "\n".join(lines)


@contextlib.contextmanager
def _screenshot(state: PlaceState, path: Path | None, *, at: float) -> Iterator[None]:
    """Save one frame of the dashboard as SVG ``at`` seconds into the run (for docs/dashboard.png)."""
    if path is None:
        yield
        return
    done = threading.Event()

    def take() -> None:
        if done.wait(at):
            return
        recorder = Console(record=True, width=130, file=io.StringIO(), force_terminal=True)
        recorder.print(_frame(recorder, state))
        recorder.save_svg(str(path), title="make demo")

    thread = threading.Thread(target=take, name="screenshot", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _frame(console: Console, state: PlaceState) -> RenderableType:
    return render(state, chart_width=chart_width_for(console.width))


def watch(target: Target, *, duration: float | None, tty: bool, out: Console | None = None) -> int:
    """The dashboard of a running pizza place: levels from the stream, the oven; no orders of its own."""
    console = out or Console(highlight=False)
    stock, oven = StockClient(target), OvenClient(target)
    state = PlaceState(title="Cloud Pizza Place (watching)", where=target.endpoint or target.source)
    stock.levels()  # fails here, with one line, if the target is not there
    stop = threading.Event()
    feed = KinesisLevelFeed(
        target.client("kinesis"),
        stock.stream,
        state.board,
        on_level=lambda level: state.event(f"{level.type_id} is now {level.quantity} (version {level.version})"),
    )
    threads = [
        threading.Thread(target=feed.run, args=(stop,), name="levels", daemon=True),
        threading.Thread(target=_watch_oven, args=(oven, state, stop), name="oven-watch", daemon=True),
    ]
    for thread in threads:
        thread.start()
    interrupts = _Interrupts()
    end = time.monotonic() + duration if duration else None
    try:
        with interrupts.installed():
            live = (
                Live(console=console, get_renderable=lambda: _frame(console, state), refresh_per_second=2)
                if tty
                else None
            )
            with live or contextlib.nullcontext():
                while not interrupts.stop.is_set() and (end is None or time.monotonic() < end):
                    state.board.sample()
                    if not tty:
                        _print_levels(console, state)
                    interrupts.stop.wait(1.0 if tty else 5.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
    return 0


def _watch_oven(oven: OvenClient, state: PlaceState, stop: threading.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(Exception):
            read_oven_into(state, oven)
        stop.wait(1.0)


def _print_levels(console: Console, state: PlaceState) -> None:
    levels = ", ".join(f"{t} {q}" for t, q in state.board.quantities().items()) or "none yet"
    with state.lock:
        oven = f"{state.oven_in_use}/{state.oven_capacity}" if state.oven_capacity else "-"
        waiting = "-" if state.oven_waiting is None else state.oven_waiting
    console.print(f"[{state.elapsed:5.1f}s] levels: {levels} | oven {oven}, waiting {waiting}", highlight=False)
