"""The deliberate check behind "mypy fails an adapter that does not match its Protocol": mypy, configured as
``make test-lint`` runs it, rejects a composition root built with a broken adapter and accepts the real one."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

api = pytest.importorskip("mypy.api")
ROOT = Path(__file__).resolve().parents[2]

PREAMBLE = """
from datetime import datetime
from pizza_oven.adapters.bell import SqsBell
from pizza_oven.adapters.ledger import DynamoDbLedger
from pizza_oven.adapters.shelf import SqsShelf
from pizza_oven.adapters.timer import StepFunctionsTimer
from pizza_oven.adapters.waiting_line import SqsLineHead
from pizza_oven.bootstrap import RemovePorts
from pizza_oven.domain.model import Pizza
from pizza_oven.settings import RemoveSettings

def build(settings: RemoveSettings, shelf: object) -> RemovePorts:
    return RemovePorts(
        settings=settings,
        ledger=DynamoDbLedger("t", None),
        line=SqsLineHead("u", None),
        timer=StepFunctionsTimer("a", None),
        shelf=SHELF,
        bell=SqsBell("u", None),
    )
"""


@pytest.fixture(autouse=True)
def _sources_on_the_mypy_path(monkeypatch):
    # Editable installs are import hooks mypy cannot follow: point it at the sources, or imports become Any.
    monkeypatch.setenv("MYPYPATH", f"{ROOT / 'services/oven/src'}:{ROOT / 'libs/common/src'}")


def _mypy(tmp_path: Path, shelf: str, extra: str = "") -> tuple[str, int]:
    module = tmp_path / "composition_check.py"
    module.write_text(textwrap.dedent(extra) + PREAMBLE.replace("SHELF", shelf), encoding="utf-8")
    stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--no-incremental", str(module)])
    return stdout + stderr, status


def test_the_real_adapters_satisfy_their_ports(tmp_path):
    output, status = _mypy(tmp_path, 'SqsShelf("u", None)', extra="reveal_type(RemovePorts)\n")
    assert status == 0, output
    assert "pizza_oven.bootstrap.RemovePorts" in output  # resolved, not Any


def test_an_adapter_whose_method_does_not_match_its_port_fails(tmp_path):
    broken = """
    class ShelfWithoutTime:
        def put(self, pizza: "Pizza") -> None:  # the port's put takes baked_at too
            ...
    """
    output, status = _mypy(tmp_path, "ShelfWithoutTime()", extra=broken)
    assert status == 1
    assert 'Argument "shelf" to "RemovePorts" has incompatible type "ShelfWithoutTime"; expected "Shelf"' in output
