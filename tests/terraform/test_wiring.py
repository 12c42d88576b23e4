"""Wiring: handlers exist and import, streams are on, queues are FIFO-named and have DLQs, invokers have
their permissions, state machine files render. On every module and deployment, then on mistakes made on
purpose in a copy of a small fixture service (tests/terraform/fixtures/bakery)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from tf_files import ROOT, TERRAFORM, configurations, relative
from tf_wiring import SOURCE_ROOTS, all_problems

from localcloud.parity import scope

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "bakery"
LAMBDA_FUNCTION_SOURCE = "../../../../../terraform/modules/lambda_function"


@pytest.mark.parametrize("folder", configurations(), ids=relative)
def test_the_wiring_of_every_module_and_deployment_holds(folder: Path) -> None:
    problems = all_problems(scope(folder))
    assert not problems, "\n".join(problems)


class Bakery:
    """A copy of the fixture service to break on purpose."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path / "bakery"
        shutil.copytree(FIXTURE, self.root)
        self.module = self.root / "terraform"
        self.roots = [self.root / "src", *SOURCE_ROOTS]
        source = os.path.relpath(TERRAFORM / "modules" / "lambda_function", self.module)
        self.edit("terraform/main.tf", LAMBDA_FUNCTION_SOURCE, source, count=2)

    def edit(self, path: str, old: str, new: str, count: int = 1) -> None:
        file = self.root / path
        text = file.read_text()
        assert text.count(old) == count, f"{old!r} in {path}"
        file.write_text(text.replace(old, new))

    def problems(self, import_check: bool = False) -> list[str]:
        """The problems found, without the folder; handlers are imported only when asked (it takes a second)."""
        return [p.split(": ", 1)[1] for p in all_problems(scope(self.module), self.roots, import_check)]


@pytest.fixture
def bakery(tmp_path: Path) -> Bakery:
    return Bakery(tmp_path)


def test_the_fixture_service_is_wired_correctly(bakery: Bakery) -> None:
    assert bakery.problems(import_check=True) == []


def test_a_handler_naming_a_missing_function_is_reported(bakery: Bakery) -> None:
    bakery.edit("terraform/main.tf", "pizza_bakery.handlers.bake.handler", "pizza_bakery.handlers.bake.bake")
    assert bakery.problems() == [
        "module.bake: handler 'pizza_bakery.handlers.bake.bake': "
        f"{bakery.root / 'src/pizza_bakery/handlers/bake.py'} defines no 'bake'"
    ]


def test_a_handler_in_a_missing_module_is_reported(bakery: Bakery) -> None:
    bakery.edit("terraform/main.tf", "pizza_bakery.handlers.receive.handler", "pizza_bakery.handlers.recieve.handler")
    [problem] = bakery.problems()
    assert problem.startswith("module.receive: handler 'pizza_bakery.handlers.recieve.handler': no module")


def test_a_handler_that_fails_to_import_is_reported(bakery: Bakery) -> None:
    bakery.edit("src/pizza_bakery/handlers/bake.py", "import json\n", "import json\nimport oven_thermometer\n")
    assert bakery.problems(import_check=True) == [
        "module.bake: handler 'pizza_bakery.handlers.bake.handler' does not import: "
        "ModuleNotFoundError: No module named 'oven_thermometer'"
    ]


def test_a_stream_source_on_a_table_without_a_stream_is_reported(bakery: Bakery) -> None:
    bakery.edit("terraform/main.tf", "stream_enabled   = true", "stream_enabled   = false")
    assert bakery.problems() == [
        "aws_lambda_event_source_mapping.loaves: reads the stream of pizza-bakery-loaves, "
        "whose stream_enabled is not true"
    ]


def test_a_handler_reading_images_the_stream_view_lacks_is_reported(bakery: Bakery) -> None:
    bakery.edit("terraform/main.tf", '"NEW_IMAGE"', '"KEYS_ONLY"')
    assert bakery.problems() == [
        "aws_lambda_event_source_mapping.loaves: pizza_bakery.handlers.bake.handler reads new images, "
        "but the stream of pizza-bakery-loaves is KEYS_ONLY"
    ]


def test_a_fifo_queue_not_named_fifo_is_reported(bakery: Bakery) -> None:
    bakery.edit(
        "terraform/main.tf",
        "  visibility_timeout_seconds = 60\n",
        "  visibility_timeout_seconds = 60\n  fifo_queue = true\n",
    )
    assert bakery.problems() == [
        "aws_sqs_queue.orders: 'pizza-bakery-orders': a FIFO queue's name ends in .fifo, and only a FIFO queue's does"
    ]


def test_a_queue_without_a_dlq_is_reported_but_a_dlq_is_not(bakery: Bakery) -> None:
    bakery.edit(
        "terraform/main.tf",
        'resource "aws_sqs_queue" "orders_dlq" {',
        'resource "aws_sqs_queue" "spare" {\n  name = "pizza-bakery-spare"\n}\n\n'
        'resource "aws_sqs_queue" "orders_dlq" {',
    )
    assert bakery.problems() == [
        "aws_sqs_queue.spare: 'pizza-bakery-spare' has no redrive_policy: every queue has a DLQ"
    ]


def test_a_queue_that_hides_messages_for_less_than_the_function_runs_is_reported(bakery: Bakery) -> None:
    bakery.edit("terraform/main.tf", "  timeout       = 60\n", "  timeout       = 90\n")
    assert bakery.problems() == [
        "aws_lambda_event_source_mapping.orders: queue 'pizza-bakery-orders' visibility timeout 60s is shorter "
        "than its function's timeout 90s (Lambda refuses the mapping)"
    ]


def test_an_s3_notification_without_its_permission_is_reported(bakery: Bakery) -> None:
    bakery.edit("terraform/main.tf", '  principal     = "s3.amazonaws.com"', '  principal     = "sqs.amazonaws.com"')
    assert bakery.problems() == [
        "aws_s3_bucket_notification.deliveries: no aws_lambda_permission lets s3.amazonaws.com "
        "invoke pizza-bakery-receive"
    ]


def test_an_s3_notification_that_does_not_wait_for_its_permission_is_reported(bakery: Bakery) -> None:
    bakery.edit("terraform/main.tf", "  depends_on = [aws_lambda_permission.receive_from_s3]\n", "")
    [problem] = bakery.problems()
    assert problem.startswith(
        "aws_s3_bucket_notification.deliveries: add depends_on = [aws_lambda_permission.receive_from_s3]"
    )


def test_a_public_function_url_is_reported(bakery: Bakery) -> None:
    url = (
        'resource "aws_lambda_function_url" "receive" {\n'
        "  function_name      = module.receive.function_name\n"
        '  authorization_type = "{}"\n'
        "}\n"
    )
    (bakery.module / "api.tf").write_text(url.replace("{}", "AWS_IAM"))
    assert bakery.problems() == []
    (bakery.module / "api.tf").write_text(url.replace("{}", "NONE"))
    assert bakery.problems() == [
        "aws_lambda_function_url.receive: authorization_type is 'NONE'; every API here is AWS_IAM "
        "(a NONE URL is public to the internet)"
    ]


def test_a_state_machine_variable_that_templatefile_does_not_pass_is_reported(bakery: Bakery) -> None:
    bakery.edit("terraform/main.tf", "    rest_seconds      = 5\n", "")
    problems = bakery.problems()
    definition = relative(bakery.root / "statemachines" / "bake.asl.json")
    assert f"{definition} uses ${{rest_seconds}}, which templatefile() does not pass" in problems[0]
    assert "does not render to valid JSON" in problems[1]


def test_a_state_machine_file_that_is_not_json_is_reported(bakery: Bakery) -> None:
    bakery.edit("statemachines/bake.asl.json", '"End": true }', '"End": true, }')
    [problem] = bakery.problems()
    assert "does not render to valid JSON" in problem


def test_queues_made_through_modules_queue_are_checked_too(tmp_path: Path) -> None:
    modules = tmp_path / "modules"
    shutil.copytree(TERRAFORM / "modules", modules)
    oven = modules / "oven"
    variables = {"baking_definition_file": str(ROOT / "services" / "oven" / "statemachines" / "bake.asl.json")}
    assert all_problems(scope(oven, variables), import_check=False) == []
    queues = oven / "queues.tf"
    text = queues.read_text()
    assert text.count("visibility_timeout_seconds = 180") == 2
    queues.write_text(text.replace("visibility_timeout_seconds = 180", "visibility_timeout_seconds = 20", 1))

    problems = all_problems(scope(oven, variables), import_check=False)

    assert [p.split(": ", 1)[1] for p in problems] == [
        "aws_lambda_event_source_mapping.new_items: queue 'pizza-oven-new-items' visibility timeout 20s is "
        "shorter than its function's timeout 30s (Lambda refuses the mapping)"
    ]
