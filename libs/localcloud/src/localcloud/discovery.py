"""Finding the stacks to run: the ``localcloud.stacks`` entry points, or ``module:attribute`` names.

A service declares its stack in its pyproject.toml::

    [project.entry-points."localcloud.stacks"]
    stock = "pizza_stock.stack:stack"

where ``stack(prefix: str) -> Stack`` builds every physical name from the prefix, as Terraform does.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from localcloud.stack import Stack

__all__ = ["GROUP", "entry_point_stacks", "load_stack"]

GROUP = "localcloud.stacks"


def _build(target: Any, prefix: str, origin: str) -> Stack:
    stack = target(prefix) if callable(target) and not isinstance(target, Stack) else target
    if not isinstance(stack, Stack):
        raise TypeError(f"{origin} gave {type(stack).__name__}, not a localcloud Stack")
    return stack


def entry_point_stacks(prefix: str = "pizza") -> list[Stack]:
    """Every stack registered under the ``localcloud.stacks`` entry point group, in name order."""
    found = sorted(entry_points(group=GROUP), key=lambda point: point.name)
    return [_build(point.load(), prefix, f"entry point {point.name} ({point.value})") for point in found]


def load_stack(spec: str, prefix: str = "pizza") -> Stack:
    """``package.module:attribute``: a ``stack(prefix)`` callable or a Stack."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"{spec!r}: give a stack as module:attribute, e.g. pizza_stock.stack:stack")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    return _build(target, prefix, spec)
