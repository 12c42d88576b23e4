"""SQS batch actions on messages the oven received: every entry applied, or an error naming the entries that were not.

``pizza_common.sqs.batch_action`` sends again what SQS failed on its side until the deadline (and raises
``EntriesFailed`` if some are still failed then); it hands back the entries SQS refused by the sender's fault.
The oven raises on those: its receipts were received in the same invocation, well within the visibility
timeout, so a refusal means the oven asked for something wrong (a bug), and a message left in flight on the line
would hold up its one message group.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pizza_common.sqs import batch_action

__all__ = ["EntriesRefused", "apply_to_every_entry"]


class EntriesRefused(RuntimeError):
    """SQS refused entries of a batch action by the sender's fault; the message names each and its code."""


def apply_to_every_entry(
    action: str,
    send: Callable[[list[dict[str, Any]]], Mapping[str, Any]],
    entries: Sequence[Mapping[str, Any]],
    names: Sequence[str],
) -> None:
    """Apply an SQS batch action (``send``: one call of it, written out at the caller so its IAM action can be
    read from the code) to every entry; ``action`` and ``names`` (one per entry) say what and which in an error."""
    refused = batch_action(send, entries)
    if refused:
        named = ", ".join(
            f"{names[int(entry['Id'])]} ({entry.get('Code')}: {entry.get('Message') or 'no message'})"
            for entry in refused
        )
        raise EntriesRefused(f"SQS refused to {action} by the sender's fault: {named}")
