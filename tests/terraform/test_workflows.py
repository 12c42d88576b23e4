"""The GitHub Actions workflows, checked offline: zizmor's audits, the vendored workflow schema, and every
action pinned by a full commit SHA with the tag it was in a comment."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tf_files import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^\s*-?\s*uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*\s*$")


def test_there_is_a_workflow_running_make_test_on_push_and_pull_request() -> None:
    assert WORKFLOWS, "no .github/workflows/*.yml"
    document = yaml.safe_load((ROOT / ".github" / "workflows" / "test.yml").read_text())
    triggers = document[True]  # YAML 1.1 reads the key `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    steps = [step.get("run", "") for job in document["jobs"].values() for step in job["steps"]]
    assert "make test" in steps


def test_the_localstack_job_deploys_each_root_tests_and_tears_down() -> None:
    job = yaml.safe_load((ROOT / ".github" / "workflows" / "test.yml").read_text())["jobs"]["localstack"]
    service = job["services"]["localstack"]
    assert service["env"]["LOCALSTACK_AUTH_TOKEN"] == "${{ secrets.LOCALSTACK_AUTH_TOKEN }}"
    assert "/var/run/docker.sock:/var/run/docker.sock" in service["volumes"]
    assert ":latest" not in service["image"] and ":" in service["image"]
    runs = [step.get("run", "") for step in job["steps"]]
    order = ["make package", "tools/localstack.sh apply", "make test-integration", "tools/localstack.sh destroy"]
    positions = [next(i for i, run in enumerate(runs) if wanted in run) for wanted in order]
    assert positions == sorted(positions)
    assert job["steps"][-1].get("if") == "always()"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_with_its_tag_named(workflow: Path) -> None:
    uses = [line for line in workflow.read_text().splitlines() if re.match(r"^\s*-?\s*uses:", line)]
    assert uses
    assert [line for line in uses if not PINNED.match(line)] == []


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_the_workflow_matches_the_vendored_github_workflow_schema(workflow: Path) -> None:
    answer = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert answer.returncode == 0, answer.stdout + answer.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_zizmor_finds_nothing(workflow: Path) -> None:
    answer = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-progress", str(workflow)], capture_output=True, text=True, timeout=120
    )
    assert answer.returncode == 0, answer.stdout + answer.stderr


def test_zizmor_does_catch_an_unpinned_action(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "name: bad\non: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n"
    )
    answer = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-progress", "--pedantic", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert answer.returncode != 0 and "unpinned" in answer.stdout + answer.stderr
