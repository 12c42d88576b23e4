"""localcloud: an offline AWS for Lambda stacks (moto's server plus real function workers, event sources,
TTL and an HTTP gateway). See the README of libs/localcloud.

Imports are lazy: this package is loaded by pytest (as a plugin) in every test session of the repo, and
moto is heavy to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localcloud.cloud import LocalCloud

__all__ = ["LocalCloud", "start"]


def start(stacks: Any, **options: Any) -> Any:
    """A running :class:`~localcloud.cloud.LocalCloud` for a ``with`` block.

        with localcloud.start([stack]) as cloud: ...


    Options are those of :class:`~localcloud.cloud.LocalCloud` (port, region, state_dir, chaos_duplicates, ...).
    """
    from localcloud.cloud import running

    return running(list(stacks), **options)


def __getattr__(name: str) -> Any:
    if name == "LocalCloud":
        from localcloud.cloud import LocalCloud

        return LocalCloud
    raise AttributeError(f"module 'localcloud' has no attribute {name!r}")
