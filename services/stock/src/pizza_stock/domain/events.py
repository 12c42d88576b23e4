"""The events the stock service emits, as pydantic models: the JSON Schemas in ``events/`` are generated from
them (``WRITE_SCHEMAS=1`` on ``tests/unit/test_event_schemas.py``) and a test fails when the two drift."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from pizza_stock.domain.deliveries import DeliveryConflict, DeliveryReport
from pizza_stock.domain.model import MAX_TYPE_ID_LENGTH, Level

__all__ = ["EMITTED", "DeliveryConflicted", "DeliveryReported", "LevelChanged", "RejectedRow", "TypeId"]

TypeId = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=MAX_TYPE_ID_LENGTH)]


class LevelChanged(BaseModel):
    """One record on the Kinesis levels stream (partition key = ``typeId``) per change of an ingredient.

    ``version`` grows by one with every change of that ingredient, so a consumer keeps the highest version
    it has seen and drops any record at or below it (duplicates and late retries alike). ``quantity`` is
    what can be used at the time of the change: batches past their best-before are not in it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, title="StockLevelChanged")

    schema_version: Literal[1] = Field(default=1, alias="schemaVersion")
    type_id: TypeId = Field(alias="typeId")
    quantity: Annotated[int, Field(ge=0)]
    version: Annotated[int, Field(ge=1)]

    @classmethod
    def of(cls, level: Level) -> LevelChanged:
        return cls(type_id=level.type_id, quantity=level.quantity, version=level.version)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


class RejectedRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    line: Annotated[int, Field(ge=1)]
    reason: str


class DeliveryReported(BaseModel):
    """``reports/<key>.json`` beside a delivery file: what became of each of its rows.

    ``status`` ``refused`` (with ``reason``) when the file was not read at all. Written once per content;
    an identical re-upload (same ``sha256``) leaves it as it was but for ``uploads``, other content never
    touches it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, title="DeliveryReported")

    schema_version: Literal[1] = Field(default=1, alias="schemaVersion")
    status: Literal["ingested", "refused"]
    bucket: str
    key: str
    etag: str
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    uploads: Annotated[int, Field(ge=1)]
    accepted: Annotated[int, Field(ge=0)]
    rejected_count: Annotated[int, Field(ge=0, alias="rejectedCount")]
    quantities: dict[str, Annotated[int, Field(ge=1)]]
    rejected: list[RejectedRow]
    reason: str | None = None

    @classmethod
    def of(cls, report: DeliveryReport) -> DeliveryReported:
        return cls(
            status="refused" if report.refused else "ingested",
            bucket=report.delivery.bucket,
            key=report.delivery.key,
            etag=report.etag,
            sha256=report.checksum,
            uploads=report.uploads,
            accepted=report.accepted,
            rejected_count=len(report.rejected),
            quantities=dict(sorted(report.quantities.items())),
            rejected=[RejectedRow(line=r.line, reason=r.reason) for r in report.rejected],
            reason=report.refused,
        )


class DeliveryConflicted(BaseModel):
    """``reports/<key>.conflict.json``: other content came under a key already delivered; none of it was added."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, title="DeliveryConflicted")

    schema_version: Literal[1] = Field(default=1, alias="schemaVersion")
    status: Literal["conflict"] = "conflict"
    bucket: str
    key: str
    etag: str
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    delivered_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", alias="deliveredSha256")]
    accepted: Literal[0] = 0
    message: str

    @classmethod
    def of(cls, conflict: DeliveryConflict) -> DeliveryConflicted:
        key = conflict.delivery.key
        return cls(
            bucket=conflict.delivery.bucket,
            key=key,
            etag=conflict.etag,
            sha256=conflict.checksum,
            delivered_sha256=conflict.delivered_checksum,
            message=(
                f"{key} was already delivered with different content (sha256 {conflict.delivered_checksum}); "
                "nothing of this upload was added. Deliver new stock under a new key."
            ),
        )


# Every event the service emits, by the name of its schema file in events/.
EMITTED: dict[str, type[BaseModel]] = {
    "level-changed": LevelChanged,
    "delivery-reported": DeliveryReported,
    "delivery-conflicted": DeliveryConflicted,
}
