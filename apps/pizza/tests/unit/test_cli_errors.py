"""The pizza command's failures without any cloud: one line on stderr, the documented exit code."""

import json

import pytest

from pizza_common.signed_http import HttpAnswer
from pizza_place.cli import main
from pizza_place.errors import CliError, answer_body


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_no_local_cloud_here_is_one_line_and_exit_3(capsys, tmp_path):
    code, out, err = run(capsys, "--state-dir", str(tmp_path / ".localcloud"), "stock", "levels")
    assert (code, out) == (3, "")
    assert err == (
        f"pizza: no local cloud is running here ({tmp_path / '.localcloud' / 'outputs.json'} not found): "
        "start one with `make up`\n"
    )


def test_a_stopped_local_cloud_is_recognised_by_its_missing_process(capsys, tmp_path):
    state = tmp_path / ".localcloud"
    state.mkdir()
    (state / "outputs.json").write_text(json.dumps({"endpoint": "http://127.0.0.1:9", "services": {}}))
    code, _, err = run(capsys, "stock", "levels", "--state-dir", str(state))
    assert code == 3
    assert err == f"pizza: the local cloud in {state} is not running (stopped; start it with `make up`)\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["stock", "use", "ham"], "pizza stock use: argument INGREDIENT=QUANTITY: 'ham' is not INGREDIENT=QUANTITY"),
        (["stock", "use", "ham=two"], "pizza stock use: argument INGREDIENT=QUANTITY: 'ham=two': the quantity"),
        (["oven", "bake", "--n", "0"], "pizza oven bake: argument --n: 0 is not positive"),
        (["bake"], "pizza: argument COMMAND: invalid choice: 'bake'"),
    ],
)
def test_a_wrong_command_line_is_one_line_and_exit_2(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    _, err = capsys.readouterr()
    assert exit_.value.code == 2
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_a_missing_csv_is_named_before_any_cloud_is_needed(capsys, tmp_path):
    code, _, err = run(capsys, "--state-dir", str(tmp_path), "stock", "deliver", str(tmp_path / "nope.csv"))
    assert (code, err) == (2, f"pizza: {tmp_path / 'nope.csv'}: no such file\n")


def test_an_ingredient_named_twice_is_refused_before_anything_is_sent(capsys, tmp_path):
    code, _, err = run(capsys, "--state-dir", str(tmp_path), "stock", "use", "ham=1", "ham=2")
    assert (code, err) == (2, "pizza: ham is named twice; give each ingredient once\n")


@pytest.mark.parametrize(
    ("status", "body", "message", "exit_code"),
    [
        (400, b'{"message": "quantity: must be positive"}', "quantity: must be positive", 2),
        (404, b'{"message": "no reservation r-1"}', "no reservation r-1", 2),
        (409, b'{"message": "only 3 cola available"}', "only 3 cola available", 1),
        (502, b"<html>Bad Gateway</html>", "answered 502: <html>Bad Gateway</html>", 1),
        (500, b"", "answered 500: ", 1),
    ],
)
def test_an_answer_that_is_not_ok_is_one_line_naming_its_message_or_status(status, body, message, exit_code):
    with pytest.raises(CliError) as raised:
        answer_body(HttpAnswer(status, {}, body))
    assert (raised.value.message, raised.value.exit_code) == (message, exit_code)


def test_an_ok_answer_gives_its_body_and_one_that_is_not_json_is_an_error():
    assert answer_body(HttpAnswer(202, {}, b'{"queued": true}')) == {"queued": True}
    with pytest.raises(CliError, match="201 with a body that is not JSON"):
        answer_body(HttpAnswer(201, {}, b"ok"))
