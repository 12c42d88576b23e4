"""An SQS client that answers batch actions in part, as SQS may: HTTP 200 with some entries under ``Failed``.

moto applies every entry, so the adapters' handling of a partial answer is tested through this wrapper around
moto's client: the entries it fails are not passed on (they stay as they were: held, or in flight).
"""

from __future__ import annotations

from typing import Any

BATCH_ACTIONS = ("delete_message_batch", "change_message_visibility_batch")


class PartlyFailingSqs:
    """Fails the first ``entries`` entries of each of the first ``calls`` batch actions, then passes them all.

    ``sender_fault`` and ``code`` are what each failed entry is answered with; everything else goes to ``client``.
    """

    def __init__(
        self, client: Any, *, calls: int = 1, entries: int = 1, sender_fault: bool = False, code: str = "InternalError"
    ) -> None:
        self.client = client
        self.calls_left, self.entries, self.sender_fault, self.code = calls, entries, sender_fault, code
        self.batches: list[tuple[str, list[str]]] = []  # (operation, the Ids of its entries), every call

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.client, name)
        if name not in BATCH_ACTIONS:
            return real

        def call(*, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
            self.batches.append((name, [entry["Id"] for entry in Entries]))
            if self.calls_left <= 0:
                return real(QueueUrl=QueueUrl, Entries=Entries)
            self.calls_left -= 1
            failing, passing = Entries[: self.entries], Entries[self.entries :]
            answer = real(QueueUrl=QueueUrl, Entries=passing) if passing else {"Successful": []}
            failed = [
                {"Id": entry["Id"], "SenderFault": self.sender_fault, "Code": self.code, "Message": "try again"}
                for entry in failing
            ]
            return {**answer, "Failed": [*answer.get("Failed", []), *failed]}

        return call
