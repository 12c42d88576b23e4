import json

import pytest

from pizza_place.errors import NO_TARGET, USAGE, CliError
from pizza_place.target import load_target

STOCK = {
    "api_url": {
        "value": "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-west-2.on.aws/",
        "type": "string",
        "sensitive": False,
    },
    "deliveries_bucket": {"value": "pizza-stock-deliveries", "type": "string", "sensitive": False},
}
OVEN = {"oven_table": {"value": "pizza-oven-state", "type": "string", "sensitive": False}}


def test_terraform_outputs_of_two_deployments_are_merged_into_one_aws_target(tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    (tmp_path / "stock.json").write_text(json.dumps(STOCK))
    (tmp_path / "oven.json").write_text(json.dumps(OVEN))
    target = load_target([tmp_path / "stock.json", tmp_path / "oven.json"])
    assert target.outputs == {
        "api_url": "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-west-2.on.aws/",
        "deliveries_bucket": "pizza-stock-deliveries",
        "oven_table": "pizza-oven-state",
    }
    assert not target.is_local
    assert target.region == "eu-west-2"  # read from the API's URL when nothing else says


def test_the_local_clouds_outputs_point_at_its_endpoint(tmp_path):
    document = {
        "endpoint": "http://127.0.0.1:4566",
        "region": "us-east-1",
        "services": {"stock": {"api_url": "http://127.0.0.1:5000"}, "oven": {"oven_table": "pizza-oven-state"}},
    }
    (tmp_path / "outputs.json").write_text(json.dumps(document))
    target = load_target([tmp_path / "outputs.json"])
    assert target.is_local and target.endpoint == "http://127.0.0.1:4566"
    assert target.output("oven_table") == "pizza-oven-state"


def test_an_output_the_target_lacks_is_named_with_what_it_has(tmp_path):
    (tmp_path / "oven.json").write_text(json.dumps(OVEN))
    with pytest.raises(CliError) as error:
        load_target([tmp_path / "oven.json"]).output("api_url")
    assert error.value.message == f"{tmp_path / 'oven.json'} has no output 'api_url' (it has: oven_table)"
    assert error.value.exit_code == NO_TARGET


def test_a_file_that_is_no_outputs_file_says_so(tmp_path):
    (tmp_path / "x.json").write_text(json.dumps({"api_url": "not wrapped in value"}))
    with pytest.raises(CliError) as error:
        load_target([tmp_path / "x.json"])
    assert error.value.message == (
        f"{tmp_path / 'x.json'}: neither a local cloud's outputs.json nor the JSON of `terraform output -json`"
    )
    assert error.value.exit_code == USAGE
