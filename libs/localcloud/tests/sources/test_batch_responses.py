"""How a batch invocation's answer is read, how chaos re-splits a batch, and scheduled input transformers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from localcloud.contracts import InvokeResult
from localcloud.sources._runtime import interpret, resplit
from localcloud.sources.rules import transform
from localcloud.stack import InputTransformer

BATCH = ["m-1", "m-2", "m-3"]


def _result(payload: Any, ok: bool = True) -> InvokeResult:
    return InvokeResult(function="f", ok=ok, payload=payload, duration_ms=1.0)


@pytest.mark.parametrize("payload", [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}, "done"])
def test_an_answer_without_failures_is_a_success(payload: Any) -> None:
    assert interpret(_result(payload), BATCH, report_batch_item_failures=True).succeeded


def test_reported_failures_are_a_partial_success() -> None:
    outcome = interpret(_result({"batchItemFailures": [{"itemIdentifier": "m-2"}]}), BATCH, True)

    assert outcome.kind == "partial" and outcome.failed == {"m-2"}


@pytest.mark.parametrize(
    "failures",
    [[{"itemIdentifier": ""}], [{"itemIdentifier": None}], [{"id": "m-2"}], [{"itemIdentifier": "m-9"}], "m-2"],
)
def test_a_malformed_failure_list_fails_the_whole_batch(failures: Any) -> None:
    outcome = interpret(_result({"batchItemFailures": failures}), BATCH, True)

    assert outcome.kind == "error" and outcome.failed == set(BATCH)


def test_an_error_result_fails_the_whole_batch_as_an_unhandled_function_error() -> None:
    outcome = interpret(_result({"errorMessage": "boom"}, ok=False), BATCH, True)

    assert (outcome.kind, outcome.failed, outcome.function_error) == ("error", set(BATCH), "Unhandled")


def test_reported_failures_are_ignored_unless_the_source_reports_batch_item_failures() -> None:
    assert interpret(_result({"batchItemFailures": [{"itemIdentifier": "m-2"}]}), BATCH, False).succeeded


def test_chaos_resplits_a_batch_into_its_halves_in_order() -> None:
    assert resplit([1, 2, 3, 4, 5]) == [[1, 2, 3], [4, 5]]
    assert resplit([1, 2]) == [[1], [2]]
    assert resplit([1]) == [[1]]


def test_a_scheduled_input_transformer_fills_its_paths_and_the_predefined_variables() -> None:
    event = {"id": "e-1", "time": "2030-01-02T03:00:00Z", "detail": {"items": [{"sku": "ham"}], "n": 2}}
    transformer = InputTransformer(
        input_paths={"sku": "$.detail.items[0].sku", "n": "$.detail.n", "missing": "$.detail.nothing"},
        input_template='{"sku": "<sku>", "n": <n>, "gone": <missing>, "rule": "<aws.events.rule-name>"}',
    )

    text = transform(transformer, event, "arn:aws:events:r:1:rule/nightly", "nightly")

    assert json.loads(text) == {"sku": "ham", "n": 2, "gone": None, "rule": "nightly"}
    assert json.loads(transform(None, event, "arn", "nightly")) == event
