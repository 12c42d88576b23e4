"""Functions run as on Lambda: own process, own environment, warm reuse, timeouts and errors as results."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from library_sample.stack import PREFIX


def _status(cloud: Any, function: str) -> dict[str, Any]:
    return next(f for f in cloud.status()["functions"] if f["name"] == function)


def test_a_warm_worker_keeps_its_module_state_between_invocations(cloud: Any) -> None:
    first = cloud.invoke(f"{PREFIX}-count", {})
    second = cloud.invoke(f"{PREFIX}-count", {})

    assert first.ok and second.ok
    assert second.payload["invocations"] == first.payload["invocations"] + 1
    assert second.payload["pid"] == first.payload["pid"]


def test_a_function_sees_its_own_environment_and_lambdas_variables(cloud: Any, outputs: dict[str, str]) -> None:
    names = [
        "BOOKS_TABLE",
        "RETURNS_URL",
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "_HANDLER",
        "POWERTOOLS_TRACE_DISABLED",
        "FUNCTION_TIMEOUT_SECS",
        "PYTEST_CURRENT_TEST",
    ]
    result = cloud.invoke(f"{PREFIX}-environment", {"names": names})

    assert result.ok, result.payload
    env = result.payload["env"]
    assert env["BOOKS_TABLE"] == outputs["books_table"]
    assert env["RETURNS_URL"] == outputs["returns_queue_url"]
    assert env["AWS_ENDPOINT_URL"] == cloud.endpoint
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == cloud.region
    assert env["AWS_ACCESS_KEY_ID"] == env["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == f"{PREFIX}-environment"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{PREFIX}-environment"
    assert env["_HANDLER"] == "library_sample.functions.environment"
    assert env["POWERTOOLS_TRACE_DISABLED"] == "true"
    timeout = next(f.timeout for s in cloud.stacks for f in s.functions if f.name == f"{PREFIX}-environment")
    assert env["FUNCTION_TIMEOUT_SECS"] == str(timeout), "its timeout, as modules/lambda_function sets it"
    assert env["PYTEST_CURRENT_TEST"] is None, "the test process's environment leaked into the function"


def test_the_context_tells_the_remaining_time_and_who_runs(cloud: Any) -> None:
    result = cloud.invoke(f"{PREFIX}-environment", {})

    assert result.ok, result.payload
    assert 0 < result.payload["remaining_ms"] <= 7000
    assert result.payload["function_name"] == f"{PREFIX}-environment"
    assert str(result.payload["memory_limit_in_mb"]) == "512"
    assert uuid.UUID(result.payload["request_id"])
    assert result.payload["arn"] == f"arn:aws:lambda:{cloud.region}:{cloud.account}:function:{PREFIX}-environment"


def test_an_unhandled_exception_is_an_error_result_and_the_worker_stays_warm(cloud: Any) -> None:
    first = cloud.invoke(f"{PREFIX}-fail", {"shelf": "7"})
    second = cloud.invoke(f"{PREFIX}-fail", {"shelf": "8"})

    assert not first.ok and not first.timed_out
    assert first.payload["errorType"] == "ShelfEmpty"
    assert first.payload["errorMessage"] == "no book on shelf 7"
    assert any("functions.py" in line for line in first.payload["stackTrace"])
    assert not second.ok and second.payload["errorMessage"] == "no book on shelf 8"
    assert _status(cloud, f"{PREFIX}-fail")["cold_starts"] == 1


def test_an_invocation_past_its_timeout_is_killed_and_the_next_one_gets_a_fresh_worker(cloud: Any) -> None:
    timed_out = cloud.invoke(f"{PREFIX}-sleep", {"seconds": 30})
    after = cloud.invoke(f"{PREFIX}-sleep", {"seconds": 0})

    assert not timed_out.ok and timed_out.timed_out
    assert "Task timed out after 1.00 seconds" in timed_out.payload["errorMessage"]
    assert after.ok and after.payload == {"slept": 0}
    log = cloud.runtime.log_path(f"{PREFIX}-sleep").read_text()
    assert "sleeping 30 s" in log and "Task timed out after 1.00 seconds" in log


def test_a_functions_output_goes_to_its_log_file(cloud: Any) -> None:
    cloud.invoke(f"{PREFIX}-sleep", {"seconds": 0.01})

    log = cloud.state_dir / "logs" / f"{PREFIX}-sleep.log"
    text = log.read_text()
    assert "sleeping 0.01 s" in text
    assert "START RequestId:" in text and "REPORT RequestId:" in text


def test_concurrent_invocations_never_run_on_more_workers_than_the_reserved_concurrency(cloud: Any) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda n: cloud.invoke(f"{PREFIX}-echo", {"n": n}), range(12)))

    assert [r.payload for r in results] == [{"n": n} for n in range(12)]
    assert 1 <= _status(cloud, f"{PREFIX}-echo")["workers"] <= 2


def test_lambda_invoke_through_the_emulator_runs_the_real_handler(cloud: Any) -> None:
    awslambda = cloud.client("lambda")

    answer = awslambda.invoke(FunctionName=f"{PREFIX}-echo", Payload=json.dumps({"book": "978-0"}))
    failed = awslambda.invoke(FunctionName=f"{PREFIX}-fail", Payload=json.dumps({"shelf": "3"}))

    assert json.loads(answer["Payload"].read()) == {"book": "978-0"}
    assert "FunctionError" not in answer
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorMessage"] == "no book on shelf 3"


def test_an_unknown_function_is_an_error_result(cloud: Any) -> None:
    result = cloud.invoke("no-such-function", {})

    assert not result.ok
    assert result.payload["errorType"] == "ResourceNotFoundException"


def test_a_handler_that_cannot_be_imported_fails_each_invocation_with_an_import_error(cloud: Any) -> None:
    result = cloud.invoke(f"{PREFIX}-misspelt", {})

    assert not result.ok
    assert result.payload["errorType"] == "Runtime.ImportModuleError"
    assert result.payload["errorMessage"] == (
        "Unable to import module 'library_sample.no_such_module': No module named 'library_sample.no_such_module'"
    )


def test_an_asynchronous_lambda_invoke_is_accepted_at_once_and_runs_later(cloud: Any) -> None:
    before = _status(cloud, f"{PREFIX}-count")["invocations"]

    answer = cloud.client("lambda").invoke(FunctionName=f"{PREFIX}-count", InvocationType="Event", Payload=b"{}")

    assert answer["StatusCode"] == 202
    deadline = time.monotonic() + 10
    while _status(cloud, f"{PREFIX}-count")["invocations"] == before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _status(cloud, f"{PREFIX}-count")["invocations"] == before + 1
