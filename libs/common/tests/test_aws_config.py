"""The SDK's timeouts fit inside the function's, and handlers bound their retries by the remaining time."""

from __future__ import annotations

import pytest

from pizza_common import aws
from pizza_common.deadline import current


@pytest.mark.parametrize("timeout", [3, 5, 6, 10, 15, 30, 60, 120, 300, 900])
def test_every_attempt_and_every_pause_of_the_sdk_ends_within_the_function_timeout(timeout):
    config = aws.client_config(timeout)
    attempts = config.retries["total_max_attempts"]
    worst_pauses = sum(min(20, 2 ** (n - 1)) for n in range(1, attempts))

    assert attempts * (config.connect_timeout + config.read_timeout) + worst_pauses <= 0.8 * timeout
    assert config.read_timeout >= 1 and attempts >= 1


def test_a_30_s_function_gets_three_short_attempts_not_five_of_30_s():
    config = aws.client_config(30)

    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert config.read_timeout < 6 and config.connect_timeout <= 2


def test_clients_take_the_function_timeout_from_the_environment(monkeypatch):
    monkeypatch.setenv("FUNCTION_TIMEOUT_SECS", "10")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    aws.client.cache_clear()
    try:
        config = aws.client("sqs").meta.config
        assert config.read_timeout == aws.client_config(10).read_timeout
    finally:
        aws.client.cache_clear()


def test_an_instrumented_handler_runs_within_its_invocations_remaining_time(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    from pizza_common.observability import instrumented

    class Context:
        function_name, memory_limit_in_mb, invoked_function_arn, aws_request_id = "f", 128, "arn", "r"

        def get_remaining_time_in_millis(self) -> int:
            return 7_000

    @instrumented()
    def handler(event, context):
        return current().remaining()

    assert 4.5 < handler({}, Context()) <= 5.0  # 7 s less the 2 s margin
