"""The oven as a client sees it: NewItems, BakedItems, the oven table's load, the baking executions."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from localcloud.polling import eventually
from pizza_oven.client import OvenClient


def run_ids(count: int, name: str) -> list[str]:
    """Pizza ids of this test alone."""
    run = f"{name}-{uuid.uuid4().hex[:6]}"
    return [f"{run}-{number:03d}" for number in range(count)]


class LoadSampler:
    """Reads the oven's load over and over in the background; remembers the most slots seen in use."""

    def __init__(self, client: OvenClient) -> None:
        self.client = client
        self.max_in_use = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="oven-load-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):  # often, yet leaving the emulator to the oven
            self.max_in_use = max(self.max_in_use, self.client.load()["in_use"])
            self.samples += 1

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


@dataclass
class OvenTarget:
    client: OvenClient
    stepfunctions: Any
    baked: Counter[str] = field(default_factory=Counter)  # every baked pizza read so far, by id

    @property
    def outputs(self) -> Any:
        return self.client.outputs

    def send(self, ids: list[str], baking_time_secs: int) -> None:
        self.client.send({"id": pizza_id, "bakingTimeSecs": baking_time_secs} for pizza_id in ids)

    def collect_baked(self) -> Counter[str]:
        """Read BakedItems once (everything baked so far is remembered, whoever's it is)."""
        for pizza in self.client.receive_baked(wait_secs=0):
            self.baked[pizza["id"]] += 1
        return self.baked

    def wait_until_baked(self, ids: list[str], timeout: float = 180) -> None:
        wanted = set(ids)
        eventually(lambda: wanted <= set(self.collect_baked()), f"{len(ids)} pizzas on BakedItems", timeout=timeout)

    def wait_until_idle(self) -> dict[str, int]:
        """The oven is empty: no slot in use, nobody waiting."""

        def empty() -> dict[str, int] | None:
            load = self.client.load()
            return load if load["in_use"] == 0 and load["waiting"] == 0 else None

        return eventually(empty, "an empty oven", timeout=120)

    def pizzas(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """What the oven table holds about these pizzas (those it has), as text (as the tests compare it)."""
        return {
            pizza_id: {name: str(value) for name, value in item.items()}
            for pizza_id, item in self.client.pizzas(ids).items()
        }

    def executions(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The baking executions of these pizzas, by name (status, startDate)."""
        wanted, found = set(ids), {}
        paginator = self.stepfunctions.get_paginator("list_executions")
        for page in paginator.paginate(stateMachineArn=self.outputs.bake_state_machine_arn):
            for execution in page["executions"]:
                if execution["name"] in wanted:
                    found.setdefault(execution["name"], []).append(execution)
        return found

    def ended_executions(self, ids: list[str], timeout: float = 120) -> dict[str, Any]:
        """The baking executions of these pizzas once none of them runs. An execution ends a moment after its
        removal shelved the pizza and freed the slot (later, when the removal's answer was lost and the
        workflow retries it), so a test that saw every pizza out must still wait for them to end."""

        def ended() -> dict[str, Any] | None:
            found = self.executions(ids)
            return None if any(run["status"] == "RUNNING" for runs in found.values() for run in runs) else found

        return eventually(ended, f"the baking executions of {len(ids)} pizzas ended", timeout=timeout)

    def start_times(self, ids: list[str]) -> dict[str, datetime]:
        return {name: runs[0]["startDate"] for name, runs in self.executions(ids).items()}
