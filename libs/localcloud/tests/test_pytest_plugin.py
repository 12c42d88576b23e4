"""The pytest plugin runs the same tests against any target given by its outputs JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest

TARGET_TESTS = """
import os
import pytest

def test_the_handle_describes_the_external_target(localcloud):
    assert localcloud.is_local is False
    assert localcloud.cloud is None
    assert localcloud.endpoint == "http://127.0.0.1:9"
    assert localcloud.region == "eu-central-1"
    assert localcloud.service("library") == {"books_table": "library-books"}
    assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9"

def test_a_ttl_sweep_skips_the_test_on_a_target_that_is_not_ours(localcloud):
    localcloud.ttl_sweep()
    raise AssertionError("not reached")

@pytest.mark.localcloud_only
def test_a_localcloud_only_test_is_skipped():
    raise AssertionError("not reached")

def test_an_unknown_service_is_named(localcloud):
    with pytest.raises(KeyError, match="no service 'oven'"):
        localcloud.service("oven")
"""


@pytest.fixture
def external_outputs(tmp_path: Any) -> Any:
    path = tmp_path / "target.json"
    path.write_text(
        json.dumps(
            {
                "endpoint": "http://127.0.0.1:9",
                "region": "eu-central-1",
                "services": {"library": {"books_table": "library-books"}},
            }
        )
    )
    return path


def test_given_an_outputs_file_the_fixture_uses_that_target_and_skips_local_controls(
    pytester: pytest.Pytester, external_outputs: Any
) -> None:
    pytester.makepyfile(test_target=TARGET_TESTS)

    result = pytester.runpytest("-p", "no:cacheprovider", f"--localcloud-outputs={external_outputs}", "-rs")

    result.assert_outcomes(passed=2, skipped=2)
    result.stdout.fnmatch_lines(["*needs the local cloud's TTL sweep*", "*needs the local cloud's own controls*"])


def test_the_outputs_file_can_come_from_the_environment(
    pytester: pytest.Pytester, external_outputs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCALCLOUD_OUTPUTS", str(external_outputs))
    pytester.makepyfile(test_target=TARGET_TESTS)

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(passed=2, skipped=2)
