"""The ``pizza`` command against the session's target: what it prints, and its one-line failures."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pizza_place.cli import main


@pytest.fixture(scope="module")
def outputs(localcloud) -> str:
    if localcloud.outputs_path is None:
        raise AssertionError("the target has no outputs file to give the pizza command")
    return str(localcloud.outputs_path)


def pizza(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def a_name(what: str) -> str:
    return f"{what}-{uuid.uuid4().hex[:8]}"


def test_a_delivery_is_reported_then_levels_show_it_and_usage_takes_it_all_or_nothing(capsys, outputs, tmp_path):
    ham, cheese = a_name("ham"), a_name("cheese")
    best_before = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
    delivery = tmp_path / f"{a_name('cli')}.csv"
    delivery.write_text(f"typeId,quantity,expiresAt\n{ham},3,{best_before}\n{cheese},2,{best_before}\n{ham},oops,x\n")

    code, out, err = pizza(capsys, "--outputs", outputs, "stock", "deliver", str(delivery))
    assert (code, err) == (1, "")  # one row was rejected: the delivery is not clean
    lines = out.splitlines()
    assert lines[0].startswith(f"delivering {delivery} as s3://") and lines[0].endswith(
        f"/{delivery.name}; waiting for its report"
    )
    assert lines[1] == f"accepted 2 rows: {cheese} 2, {ham} 3"
    assert len(lines) == 3 and lines[2].startswith("rejected line 4: ")

    code, out, err = pizza(capsys, "--outputs", outputs, "stock", "levels", ham, cheese)
    assert (code, err) == (0, "")
    assert [line.split() for line in out.splitlines()] == [[ham, "3"], [cheese, "2"]]

    code, out, err = pizza(
        capsys, "--outputs", outputs, "stock", "use", "--tx", a_name("tx"), f"{ham}=2", f"{cheese}=1"
    )
    assert (code, err) == (0, "")
    assert out.startswith(f"used {ham} 2, {cheese} 1 (transaction tx-")
    assert out.endswith(f"; levels now: {cheese} 1, {ham} 1\n")

    code, out, err = pizza(capsys, "--outputs", outputs, "stock", "use", f"{ham}=2", f"{cheese}=1")
    assert (code, out) == (1, "")
    assert err == f"pizza: not enough stock, nothing was taken: {ham} (requested 2, available 1)\n"

    code, out, _ = pizza(capsys, "--outputs", outputs, "stock", "levels", "--json")
    assert code == 0
    levels = json.loads(out)
    assert (levels[ham], levels[cheese]) == (1, 1)


def test_a_delivery_again_says_it_added_nothing_and_other_content_under_its_key_is_the_conflict(
    capsys, outputs, tmp_path
):
    basil = a_name("basil")
    best_before = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
    delivery = tmp_path / f"{a_name('again')}.csv"
    delivery.write_text(f"{basil},4,{best_before}\n")
    assert pizza(capsys, "--outputs", outputs, "stock", "deliver", str(delivery))[0] == 0

    code, out, err = pizza(capsys, "--outputs", outputs, "stock", "deliver", str(delivery))
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == [
        "the same content was delivered before (upload 2): nothing added; its report:",
        f"accepted 1 row: {basil} 4",
    ], "this upload's outcome, not the report already there"

    delivery.write_text(f"{basil},400,{best_before}\n")
    code, out, err = pizza(capsys, "--outputs", outputs, "stock", "deliver", str(delivery))
    assert code == 1 and len(out.splitlines()) == 1, "the conflict, not the first content's report"
    assert err.startswith(f"pizza: {delivery.name} was already delivered with different content"), err
    code, out, _ = pizza(capsys, "--outputs", outputs, "stock", "levels", basil)
    assert (code, out.split()) == (0, [basil, "4"])


def test_the_oven_bakes_three_pizzas_and_the_status_shows_it_empty_again(capsys, outputs):
    code, out, err = pizza(capsys, "--outputs", outputs, "oven", "bake", "--n", "3", "--baking-time", "1")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("sent 3 pizzas")
    assert lines[-1].startswith("baked 3/3, duplicates 0, max in oven ")

    code, out, _ = pizza(capsys, "--outputs", outputs, "oven", "status", "--json")
    status = json.loads(out)
    assert code == 0
    assert status["capacity"] > 0
    assert 0 <= status["inUse"] <= status["capacity"]


def test_an_unknown_ingredient_is_one_line_and_exit_2(capsys, outputs):
    ghost = a_name("ghost")
    expected = f"pizza: unknown ingredient '{ghost}': the stock has never held it\n"
    assert pizza(capsys, "--outputs", outputs, "stock", "use", f"{ghost}=1") == (2, "", expected)
    assert pizza(capsys, "--outputs", outputs, "stock", "levels", ghost) == (2, "", expected)


def test_a_missing_delivery_file_is_one_line_and_exit_2(capsys, outputs, tmp_path):
    missing = tmp_path / "no-such-delivery.csv"
    assert pizza(capsys, "--outputs", outputs, "stock", "deliver", str(missing)) == (
        2,
        "",
        f"pizza: {missing}: no such file\n",
    )


def test_a_local_cloud_that_does_not_answer_is_one_line_and_exit_3(capsys, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    document = {
        "endpoint": f"http://127.0.0.1:{port}",
        "region": "us-east-1",
        "services": {
            "stock": {
                "api_url": f"http://127.0.0.1:{port}/api",
                "deliveries_bucket": "pizza-stock-deliveries",
                "stock_levels_stream": "pizza-stock-levels",
            }
        },
    }
    (tmp_path / "outputs.json").write_text(json.dumps(document))
    expected = f"pizza: the local cloud at http://127.0.0.1:{port} does not answer: start it with `make up`\n"
    assert pizza(capsys, "--outputs", str(tmp_path / "outputs.json"), "stock", "levels") == (3, "", expected)


@pytest.mark.localcloud_only
def test_the_command_itself_against_a_local_cloud_started_and_then_stopped(tmp_path):
    """True command-line runs: `localcloud up --detach`, `pizza stock levels`, `localcloud down`, again."""
    state = tmp_path / ".localcloud"
    localcloud = [sys.executable, "-m", "localcloud.cli", "--state-dir", str(state)]
    pizza_command = [str(Path(sys.executable).parent / "pizza"), "--state-dir", str(state), "stock", "levels"]
    up = subprocess.run([*localcloud, "up", "--detach", "--port", "0"], capture_output=True, text=True, timeout=180)
    assert up.returncode == 0, up.stderr
    try:
        running = subprocess.run(pizza_command, capture_output=True, text=True, timeout=60)
        assert (running.returncode, running.stderr) == (0, "")
        assert running.stdout == "the stock is empty: nothing was ever delivered\n"
    finally:
        down = subprocess.run([*localcloud, "down"], capture_output=True, text=True, timeout=60)
    assert down.returncode == 0, down.stderr

    stopped = subprocess.run(pizza_command, capture_output=True, text=True, timeout=60)
    assert (stopped.returncode, stopped.stdout) == (3, "")
    assert stopped.stderr == f"pizza: the local cloud in {state} is not running (stopped; start it with `make up`)\n"
