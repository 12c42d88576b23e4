"""Stock levels as the Kinesis stream broadcasts them, read the way the original's simulation script did:
every shard, from the oldest record, keeping for each ingredient only the record with the newest version.

A record is ``{"typeId": "ham", "quantity": 12, "version": 7}`` with partition key ``ham``. The version
only grows per ingredient, so a duplicate or an out-of-order record (a retried put, a replayed shard) is
recognised and dropped.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["KinesisLevelFeed", "Level", "LevelBoard"]


@dataclass(frozen=True)
class Level:
    type_id: str
    quantity: int
    version: int


@dataclass
class LevelBoard:
    """The newest level of each ingredient, and a short history of each for the chart."""

    history_length: int = 60
    levels: dict[str, Level] = field(default_factory=dict)
    history: dict[str, deque[int]] = field(default_factory=dict)
    stale: int = 0  # records dropped because a newer (or the same) version was already applied
    malformed: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def apply(self, data: bytes | str | dict[str, Any]) -> Level | None:
        """Apply one record; the level it set, or None when it was stale or not a level record."""
        try:
            record = json.loads(data) if isinstance(data, bytes | str) else data
            level = Level(str(record["typeId"]), int(record["quantity"]), int(record["version"]))
        except (ValueError, KeyError, TypeError):
            with self._lock:
                self.malformed += 1
            return None
        with self._lock:
            known = self.levels.get(level.type_id)
            if known is not None and level.version <= known.version:
                self.stale += 1
                return None
            self.levels[level.type_id] = level
            return level

    def quantities(self) -> dict[str, int]:
        with self._lock:
            return {typ: level.quantity for typ, level in sorted(self.levels.items())}

    def sample(self) -> None:
        """Add the current level of every ingredient to its history (one column of the chart)."""
        with self._lock:
            for typ, level in self.levels.items():
                self.history.setdefault(typ, deque(maxlen=self.history_length)).append(level.quantity)

    def histories(self) -> dict[str, list[int]]:
        with self._lock:
            return {typ: list(values) for typ, values in sorted(self.history.items())}


class KinesisLevelFeed:
    """Reads every shard of the stock levels stream into a :class:`LevelBoard`, until stopped."""

    def __init__(
        self,
        kinesis: Any,
        stream_name: str,
        board: LevelBoard,
        *,
        on_level: Callable[[Level], None] | None = None,
        poll_interval: float = 0.5,
        relist_every: float = 10.0,
    ) -> None:
        self.kinesis = kinesis
        self.stream_name = stream_name
        self.board = board
        self.on_level = on_level
        self.poll_interval = poll_interval
        self.relist_every = relist_every
        self.records_read = 0
        self.error: str | None = None  # the last error reading the stream, for the dashboard
        self._iterators: dict[str, str | None] = {}  # shard id -> next iterator (None: shard closed)
        self._last_sequence: dict[str, str] = {}
        self._listed_at = 0.0

    def poll_once(self) -> int:
        """Read each open shard once; how many records were read."""
        if time.monotonic() - self._listed_at > self.relist_every:
            self._list_shards()
        read = 0
        for shard, iterator in list(self._iterators.items()):
            if iterator is None:
                continue
            try:
                answer = self.kinesis.get_records(ShardIterator=iterator, Limit=1000)
            except self.kinesis.exceptions.ExpiredIteratorException:
                self._iterators[shard] = self._iterator(shard)
                continue
            for record in answer["Records"]:
                self._last_sequence[shard] = record["SequenceNumber"]
                level = self.board.apply(record["Data"])
                if level is not None and self.on_level is not None:
                    self.on_level(level)
                read += 1
            self._iterators[shard] = answer.get("NextShardIterator")
        self.records_read += read
        return read

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                read = self.poll_once()
                self.error = None
            except Exception as error:  # the dashboard shows it and keeps going; the stream may come back
                self.error = f"{type(error).__name__}: {error}"
                read = 0
            if not read:
                stop.wait(self.poll_interval)

    def _list_shards(self) -> None:
        shards: list[str] = []
        arguments: dict[str, Any] = {"StreamName": self.stream_name}
        while True:
            answer = self.kinesis.list_shards(**arguments)
            shards += [shard["ShardId"] for shard in answer["Shards"]]
            if not answer.get("NextToken"):
                break
            arguments = {"NextToken": answer["NextToken"]}
        for shard in shards:
            if shard not in self._iterators:
                self._iterators[shard] = self._iterator(shard)
        self._listed_at = time.monotonic()

    def _iterator(self, shard: str) -> str:
        if shard in self._last_sequence:
            position = {
                "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                "StartingSequenceNumber": self._last_sequence[shard],
            }
        else:
            position = {"ShardIteratorType": "TRIM_HORIZON"}
        answer = self.kinesis.get_shard_iterator(StreamName=self.stream_name, ShardId=shard, **position)
        return str(answer["ShardIterator"])
