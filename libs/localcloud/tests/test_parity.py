"""localcloud.parity: a stack and a Terraform module that say the same thing compare equal; drift is reported."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from localcloud.parity import Ref, Unknown, compare, scope
from localcloud.stack import (
    Attribute,
    Bucket,
    BucketNotification,
    DestinationConfig,
    Function,
    FunctionUrl,
    GlobalSecondaryIndex,
    Queue,
    Rule,
    RuleTarget,
    SqsSource,
    Stack,
    StateMachine,
    StreamSource,
    Table,
)

REPO = Path(__file__).resolve().parents[3]
LAMBDA_FUNCTION = REPO / "terraform" / "modules" / "lambda_function"

MODULE = """
resource "aws_s3_bucket" "deliveries" {
  bucket = "${var.name_prefix}-bakery-deliveries"
}

resource "aws_s3_bucket_notification" "deliveries" {
  bucket = aws_s3_bucket.deliveries.id
  lambda_function {
    lambda_function_arn = module.receive.function_arn
    events              = ["s3:ObjectCreated:*"]
    filter_suffix       = ".csv"
  }
}

resource "aws_dynamodb_table" "loaves" {
  name             = "${var.name_prefix}-bakery-loaves"
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = "loafId"
  range_key        = "batchId"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  attribute {
    name = "loafId"
    type = "S"
  }
  attribute {
    name = "batchId"
    type = "S"
  }
  attribute {
    name = "bakedOn"
    type = "N"
  }

  global_secondary_index {
    name            = "by-day"
    hash_key        = "bakedOn"
    projection_type = "KEYS_ONLY"
  }

  ttl {
    attribute_name = "staleAt"
    enabled        = true
  }
}

resource "aws_sqs_queue" "orders" {
  name                        = "${var.name_prefix}-bakery-orders.fifo"
  fifo_queue                  = true
  content_based_deduplication = true
  visibility_timeout_seconds  = 60
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn
    maxReceiveCount     = 5
  })
}

resource "aws_sqs_queue" "orders_dlq" {
  name       = "${var.name_prefix}-bakery-orders-dlq.fifo"
  fifo_queue = true
}

locals {
  environment = {
    LOAVES_TABLE = aws_dynamodb_table.loaves.name
    ORDERS_QUEUE = aws_sqs_queue.orders.url
  }
}

module "receive" {
  source                = "LAMBDA_FUNCTION"
  function_name         = "${var.name_prefix}-bakery-receive"
  handler               = "bakery.handlers.receive.handler"
  zip_file              = var.lambda_zip
  policy_json           = data.aws_iam_policy_document.receive.json
  environment_variables = local.environment
}

module "bake" {
  source                = "LAMBDA_FUNCTION"
  function_name         = "${var.name_prefix}-bakery-bake"
  handler               = "bakery.handlers.bake.handler"
  timeout               = 120
  zip_file              = var.lambda_zip
  policy_json           = data.aws_iam_policy_document.bake.json
  environment_variables = merge(local.environment, { BAKE_MACHINE = aws_sfn_state_machine.bake.arn })
}

resource "aws_lambda_event_source_mapping" "orders" {
  function_name           = module.bake.function_arn
  event_source_arn        = aws_sqs_queue.orders.arn
  batch_size              = 1
  function_response_types = ["ReportBatchItemFailures"]
}

resource "aws_lambda_event_source_mapping" "loaves" {
  function_name           = module.receive.function_name
  event_source_arn        = aws_dynamodb_table.loaves.stream_arn
  starting_position       = "TRIM_HORIZON"
  maximum_retry_attempts  = 3
  function_response_types = ["ReportBatchItemFailures"]

  filter_criteria {
    filter {
      pattern = jsonencode({ eventName = ["REMOVE"] })
    }
  }

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.orders_dlq.arn
    }
  }
}

resource "aws_cloudwatch_event_rule" "sold_out" {
  name           = "${var.name_prefix}-bakery-sold-out"
  event_bus_name = var.event_bus_name
  event_pattern = jsonencode({
    source        = ["pizza.stock"]
    "detail-type" = ["StockLevelChanged"]
  })
}

resource "aws_cloudwatch_event_target" "sold_out" {
  rule           = aws_cloudwatch_event_rule.sold_out.name
  event_bus_name = var.event_bus_name
  arn            = module.bake.function_arn
}

resource "aws_sfn_state_machine" "bake" {
  name     = "${var.name_prefix}-bakery-bake"
  role_arn = "arn:aws:iam::123456789012:role/x"
  definition = templatefile("${path.module}/bake.asl.json", {
    bake_function_arn = module.bake.function_arn
  })
}

resource "aws_lambda_function_url" "receive" {
  function_name      = module.receive.function_name
  authorization_type = "AWS_IAM"
}
"""

OUTPUTS = """
output "loaves_table" {
  value = aws_dynamodb_table.loaves.name
}
output "orders_queue_url" {
  value = aws_sqs_queue.orders.url
}
output "api_url" {
  value = aws_lambda_function_url.receive.function_url
}
"""

VARIABLES = """
variable "name_prefix" {
  type    = string
  default = "pizza"
}
variable "lambda_zip" {
  type = string
}
variable "event_bus_name" {
  type    = string
  default = "pizza-shared-events"
}
"""


@pytest.fixture
def module_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bakery"
    folder.mkdir()
    source = os.path.relpath(LAMBDA_FUNCTION, folder)
    (folder / "main.tf").write_text(MODULE.replace("LAMBDA_FUNCTION", source))
    (folder / "variables.tf").write_text(VARIABLES)
    (folder / "outputs.tf").write_text(OUTPUTS)
    (folder / "bake.asl.json").write_text('{"StartAt": "Bake", "States": {}}')
    return folder


def bakery(prefix: str, module_dir: Path, **changes: object) -> Stack:
    environment = {"LOAVES_TABLE": f"{prefix}-bakery-loaves", "ORDERS_QUEUE": "${queue.orders.url}"}
    fields: dict[str, object] = dict(
        name="bakery",
        outputs={
            "loaves_table": f"${{table.{prefix}-bakery-loaves.name}}",
            "orders_queue_url": f"${{queue.{prefix}-bakery-orders.fifo.url}}",
            "api_url": f"${{function.{prefix}-bakery-receive.url}}",
        },
        buckets=(
            Bucket(
                name=f"{prefix}-bakery-deliveries",
                notifications=(BucketNotification(function=f"{prefix}-bakery-receive", suffix=".csv"),),
            ),
        ),
        tables=(
            Table(
                name=f"{prefix}-bakery-loaves",
                hash_key=Attribute(name="loafId"),
                range_key=Attribute(name="batchId"),
                stream_view="NEW_AND_OLD_IMAGES",
                ttl_attribute="staleAt",
                global_secondary_indexes=(
                    GlobalSecondaryIndex(
                        name="by-day", hash_key=Attribute(name="bakedOn", type="N"), projection="KEYS_ONLY"
                    ),
                ),
            ),
        ),
        queues=(
            Queue(
                name=f"{prefix}-bakery-orders.fifo",
                fifo=True,
                content_based_deduplication=True,
                visibility_timeout=60,
                dead_letter_queue=f"{prefix}-bakery-orders-dlq.fifo",
                max_receive_count=5,
            ),
            Queue(name=f"{prefix}-bakery-orders-dlq.fifo", fifo=True),
        ),
        rules=(
            Rule(
                name=f"{prefix}-bakery-sold-out",
                event_bus=f"{prefix}-shared-events",
                event_pattern={"detail-type": ["StockLevelChanged"], "source": ["pizza.stock"]},
                targets=(RuleTarget(kind="function", name=f"{prefix}-bakery-bake"),),
            ),
        ),
        functions=(
            Function(
                name=f"{prefix}-bakery-receive",
                handler="bakery.handlers.receive.handler",
                environment=environment,
                url=FunctionUrl(authorization="AWS_IAM"),
                event_sources=(
                    StreamSource(
                        kind="dynamodb",
                        table=f"{prefix}-bakery-loaves",
                        filter_patterns=({"eventName": ["REMOVE"]},),
                        destination=DestinationConfig(on_failure_queue=f"{prefix}-bakery-orders-dlq.fifo"),
                    ),
                ),
            ),
            Function(
                name=f"{prefix}-bakery-bake",
                handler="bakery.handlers.bake.handler",
                timeout=120,
                environment={**environment, "BAKE_MACHINE": "${state_machine.x.arn}"},
                event_sources=(SqsSource(queue=f"{prefix}-bakery-orders.fifo", batch_size=1),),
            ),
        ),
        state_machines=(
            StateMachine(
                name=f"{prefix}-bakery-bake",
                definition_file=module_dir / "bake.asl.json",
                substitutions={"bake_function_arn": "${function.pizza-bakery-bake.arn}"},
            ),
        ),
    )
    fields.update(changes)
    return Stack(**fields)  # type: ignore[arg-type]


def test_a_stack_and_a_module_that_say_the_same_thing_have_no_differences(module_dir: Path) -> None:
    assert compare(bakery("pizza", module_dir), module_dir) == []


def test_names_follow_the_name_prefix_variable(module_dir: Path) -> None:
    variables = {"name_prefix": "staging", "event_bus_name": "staging-shared-events"}
    assert compare(bakery("staging", module_dir), module_dir, variables) == []


def test_a_renamed_queue_is_reported_on_both_sides(module_dir: Path) -> None:
    stack = bakery("pizza", module_dir)
    renamed = stack.model_copy(
        update={"queues": (stack.queues[0].model_copy(update={"name": "pizza-bakery-queue.fifo"}), stack.queues[1])}
    )
    differences = compare(renamed, module_dir)
    assert "queue pizza-bakery-queue.fifo: in stack.py, not in Terraform" in differences
    assert "queue pizza-bakery-orders.fifo: in Terraform, not in stack.py" in differences


def test_drift_in_keys_streams_ttl_redrive_wiring_and_environment_is_reported(module_dir: Path) -> None:
    main = module_dir / "main.tf"
    text = main.read_text()
    for old, new in [
        ('stream_view_type = "NEW_AND_OLD_IMAGES"', 'stream_view_type = "NEW_IMAGE"'),
        ('attribute_name = "staleAt"', 'attribute_name = "expiresAt"'),
        ("maxReceiveCount     = 5", "maxReceiveCount     = 3"),
        ('name = "batchId"\n    type = "S"', 'name = "batchId"\n    type = "N"'),
        ("  batch_size              = 1\n", "  batch_size              = 10\n"),
        (
            'handler               = "bakery.handlers.bake.handler"',
            'handler               = "bakery.handlers.oven.handler"',
        ),
        ("ORDERS_QUEUE = aws_sqs_queue.orders.url", "ORDER_QUEUE = aws_sqs_queue.orders.url"),
        ('filter_suffix       = ".csv"', 'filter_suffix       = ".txt"'),
        ('pattern = jsonencode({ eventName = ["REMOVE"] })', 'pattern = jsonencode({ eventName = ["INSERT"] })'),
        ('"detail-type" = ["StockLevelChanged"]', '"detail-type" = ["StockLevelsChanged"]'),
        ('authorization_type = "AWS_IAM"', 'authorization_type = "NONE"'),
    ]:
        assert old in text, old
        text = text.replace(old, new)
    main.write_text(text)

    differences = compare(bakery("pizza", module_dir), module_dir)
    expected = [
        "table pizza-bakery-loaves: stream_view: stack.py 'NEW_AND_OLD_IMAGES', Terraform 'NEW_IMAGE'",
        "table pizza-bakery-loaves: ttl_attribute: stack.py 'staleAt', Terraform 'expiresAt'",
        "table pizza-bakery-loaves: range_key: stack.py 'batchId S', Terraform 'batchId N'",
        "queue pizza-bakery-orders.fifo: max_receive_count: stack.py 5, Terraform 3",
        "event source queue pizza-bakery-orders.fifo -> function pizza-bakery-bake: batch_size: "
        "stack.py 1, Terraform 10",
        "function pizza-bakery-bake: handler: stack.py 'bakery.handlers.bake.handler', "
        "Terraform 'bakery.handlers.oven.handler'",
        "function pizza-bakery-receive: environment variable names: stack.py ['LOAVES_TABLE', 'ORDERS_QUEUE'], "
        "Terraform ['LOAVES_TABLE', 'ORDER_QUEUE']",
        "s3 notification pizza-bakery-deliveries -> function pizza-bakery-receive (prefix '', suffix '.csv'): "
        "in stack.py, not in Terraform",
        "function url pizza-bakery-receive: authorization_type: stack.py 'AWS_IAM', Terraform 'NONE'",
    ]
    for difference in expected:
        assert difference in differences, "\n".join(differences)
    assert any(
        d.startswith("event source dynamodb stream of table pizza-bakery-loaves") and "filter_patterns" in d
        for d in differences
    )
    assert any(d.startswith("rule pizza-bakery-sold-out: event_pattern") for d in differences)


def test_a_state_machine_file_or_its_variables_differing_is_reported(module_dir: Path) -> None:
    stack = bakery("pizza", module_dir)
    machine = stack.state_machines[0].model_copy(
        update={"definition_file": module_dir / "other.asl.json", "substitutions": {"remove_function_arn": "x"}}
    )
    differences = compare(stack.model_copy(update={"state_machines": (machine,)}), module_dir)
    assert any("state machine pizza-bakery-bake: definition_file" in d for d in differences)
    assert (
        "state machine pizza-bakery-bake: substitution names: "
        "stack.py ['remove_function_arn'], Terraform ['bake_function_arn']" in differences
    )


def test_an_expression_it_cannot_evaluate_is_reported_not_guessed(module_dir: Path) -> None:
    main = module_dir / "main.tf"
    main.write_text(
        main.read_text().replace(
            "visibility_timeout_seconds  = 60", "visibility_timeout_seconds  = var.slow ? 120 : 60"
        )
    )
    differences = compare(bakery("pizza", module_dir), module_dir)
    assert differences == [
        "queue pizza-bakery-orders.fifo: visibility_timeout: "
        "stack.py 60, Terraform cannot evaluate ${var.slow ? 120 : 60}"
    ]


def test_references_evaluate_to_names_and_attributes_across_module_calls(module_dir: Path) -> None:
    bakery_scope = scope(module_dir)
    assert bakery_scope.evaluate("${aws_sqs_queue.orders.arn}") == Ref("queue", "pizza-bakery-orders.fifo", "arn")
    assert bakery_scope.evaluate("${aws_sqs_queue.orders.id}") == Ref("queue", "pizza-bakery-orders.fifo", "url")
    assert bakery_scope.evaluate("${aws_dynamodb_table.loaves.name}") == "pizza-bakery-loaves"
    assert bakery_scope.evaluate("${module.bake.function_arn}") == Ref("function", "pizza-bakery-bake", "arn")
    assert bakery_scope.evaluate("${module.bake.function_name}") == "pizza-bakery-bake"
    assert bakery_scope.evaluate("${data.aws_iam_policy_document.bake.json}") == Ref(
        "data.aws_iam_policy_document", "bake", "json"
    )
    assert bakery_scope.evaluate("${var.lambda_zip}") == Unknown("var.lambda_zip")
    assert bakery_scope.evaluate('${jsonencode({a = [1, "x"], "b-c" = true})}') == '{"a":[1,"x"],"b-c":true}'
    assert bakery_scope.evaluate("arn:${var.name_prefix}:${aws_dynamodb_table.loaves.stream_arn}") == (
        "arn:pizza:${table.pizza-bakery-loaves.stream_arn}"
    )


def test_an_output_of_stack_py_missing_or_different_in_the_module_is_reported(module_dir: Path) -> None:
    stack = bakery("pizza", module_dir)
    outputs = {
        **stack.outputs,
        "api_url": "${function.pizza-bakery-bake.url}",
        "loaves_table": "pizza-bakery-bread",
        "menu_url": "${function.pizza-bakery-receive.url}",
    }
    assert compare(stack.model_copy(update={"outputs": outputs}), module_dir) == [
        "output api_url: stack.py '${function.pizza-bakery-bake.url}', "
        "Terraform '${function.pizza-bakery-receive.url}'",
        "output loaves_table: stack.py 'pizza-bakery-bread', Terraform 'pizza-bakery-loaves'",
        "output menu_url: in stack.py, not in Terraform",
    ]


def test_conditionals_comparisons_try_and_count_are_evaluated_as_terraform_does(module_dir: Path) -> None:
    bakery_scope = scope(module_dir, {"name_prefix": "pizza", "fifo": True})
    assert bakery_scope.evaluate('${var.fifo ? "${var.name_prefix}.fifo" : var.name_prefix}') == "pizza.fifo"
    assert bakery_scope.evaluate("${var.name_prefix == null ? true : null}") is None
    assert bakery_scope.evaluate('${var.name_prefix != "pizza" ? 1 : 0}') == 0
    assert bakery_scope.evaluate("${var.unset ? 1 : 0}") == Unknown("var.unset ? 1 : 0")
    assert bakery_scope.evaluate("${try(var.unset, null)}") is None
    assert bakery_scope.present({"count": "${var.fifo ? 1 : 0}"}) is True
    assert bakery_scope.present({"count": "${var.fifo ? 0 : 1}"}) is False


def test_queues_made_through_modules_queue_are_compared(tmp_path: Path) -> None:
    (tmp_path / "modules").mkdir()
    queue = tmp_path / "modules" / "queue"
    shutil.copytree(REPO / "terraform" / "modules" / "queue", queue)
    service = tmp_path / "modules" / "bakery"
    service.mkdir()
    (service / "main.tf").write_text(
        'module "orders" {\n  source     = "../queue"\n  name       = "pizza-bakery-orders"\n'
        "  fifo       = true\n  max_receive_count = 4\n}\n"
        'module "failures" {\n  source            = "../queue"\n  name              = "pizza-bakery-failures"\n'
        "  dead_letter_queue = false\n}\n"
    )
    stack = Stack(
        name="bakery",
        queues=(
            Queue(name="pizza-bakery-orders.fifo", fifo=True, dead_letter_queue="pizza-bakery-orders-dlq.fifo"),
            Queue(name="pizza-bakery-orders-dlq.fifo", fifo=True),
            Queue(name="pizza-bakery-failures"),
        ),
    )

    assert compare(stack, service) == [
        "queue pizza-bakery-orders.fifo: max_receive_count: stack.py 3, Terraform 4",
    ]
