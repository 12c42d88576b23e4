"""SQS's batch actions on many entries, the entries it failed sent again within a deadline.

``DeleteMessageBatch``, ``ChangeMessageVisibilityBatch`` and ``SendMessageBatch`` take at most 10 entries and
answer per entry: an HTTP 200 may list some entries under ``Failed`` (an internal error, throttling) while the
others succeeded, and the SDK sends none of them again. A put-back that silently failed leaves its message in
flight for the queue's whole visibility timeout; on a FIFO queue of one message group, that holds up the group.

:func:`batch_action` splits the entries into calls of 10, sends the failed ones again with full-jitter pauses
while the deadline allows, and raises :class:`EntriesFailed` naming what is still failed. An entry failed by
the sender's fault (``SenderFault``: a receipt handle no longer valid, an id given twice) is not sent again: it
comes back for the caller to judge (a stale receipt means the message is visible again, or will be).

    batch_action(
        lambda entries: client.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries),
        [{"ReceiptHandle": receipt, "VisibilityTimeout": 0} for receipt in receipts],
    )

(The call is written out at the caller, so that what a function calls, and so its IAM grants, can be read
from its code: ``tests/terraform/tf_iam.py``.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pizza_common.deadline import Deadline, current

__all__ = ["MAX_ENTRIES_PER_CALL", "EntriesFailed", "batch_action"]

MAX_ENTRIES_PER_CALL = 10


class EntriesFailed(RuntimeError):
    """Entries SQS still failed (not by the sender's fault) when the deadline came."""

    def __init__(self, failed: Sequence[Mapping[str, Any]]) -> None:
        codes = sorted({str(entry.get("Code")) for entry in failed})
        super().__init__(f"{len(failed)} entries still failed at the deadline ({', '.join(codes)})")
        self.failed = list(failed)


def batch_action(
    send: Callable[[list[dict[str, Any]]], Mapping[str, Any]],
    entries: Sequence[Mapping[str, Any]],
    *,
    deadline: Deadline | None = None,
) -> list[dict[str, Any]]:
    """Apply an SQS batch action (``send``: one call of it with these ``Entries``) to every entry, each given
    without its ``Id`` (given here, by position).

    Returns the entries failed by the sender's fault, each with its ``Code`` and ``Message``; raises
    :class:`EntriesFailed` if others are still failed at the deadline."""
    deadline = deadline or current()
    sender_faults: list[dict[str, Any]] = []
    pending = list(range(len(entries)))
    attempt = 0
    while pending:
        failed: list[dict[str, Any]] = []
        for start in range(0, len(pending), MAX_ENTRIES_PER_CALL):
            part = pending[start : start + MAX_ENTRIES_PER_CALL]
            # A whole call throttled or failed (an error, not a 200) is retried by the SDK's own retry mode.
            answer = send([{**entries[index], "Id": str(index)} for index in part])
            for entry in answer.get("Failed", []):
                found = {**entries[int(entry["Id"])], "Code": entry.get("Code"), "Message": entry.get("Message")}
                (sender_faults if entry.get("SenderFault") else failed).append({"Id": entry["Id"], **found})
        pending = [int(entry["Id"]) for entry in failed]
        if pending and not deadline.pause(attempt):
            raise EntriesFailed(failed)
        attempt += 1
    return sender_faults
