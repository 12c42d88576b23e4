"""IAM against the code: every function's policy grants what its code and its event sources need, no more.
On every module, then on mistakes made on purpose in a copy of the fixture service."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_wiring import Bakery
from tf_files import configurations, relative
from tf_iam import analyse, iam_problems, load_allowlist

from localcloud.parity import scope


@pytest.mark.parametrize("folder", configurations(), ids=relative)
def test_every_function_is_granted_what_its_code_calls_and_nothing_else(folder: Path) -> None:
    problems = iam_problems(scope(folder))
    assert not problems, "\n".join(problems)


def test_every_allowlisted_action_gives_its_reason() -> None:
    for allowed in load_allowlist():
        assert len(allowed.reason.split()) >= 6, f"{allowed.action}: say why"


@pytest.fixture
def bakery(tmp_path: Path) -> Bakery:
    return Bakery(tmp_path)


def _iam(bakery: Bakery) -> list[str]:
    return [p.split(": ", 1)[1] for p in iam_problems(scope(bakery.module), bakery.roots, allowlist=[])]


def test_the_code_of_each_handler_is_followed_into_its_package_and_pizza_common(bakery: Bakery) -> None:
    receive = analyse("pizza_bakery.handlers.receive.handler", bakery.roots)
    assert receive.modules == {"pizza_bakery.handlers.receive", "pizza_bakery.adapters", "pizza_common.aws"}
    assert receive.services == {"dynamodb", "s3"}  # not events: receive never reaches adapters.announce
    assert receive.actions() == {
        "s3:GetObject": "s3.get_object",
        "s3:GetObjectVersion": "s3.get_object(VersionId=...)",
        "dynamodb:UpdateItem": "dynamodb.transact_write_items",
        "dynamodb:ConditionCheckItem": "dynamodb.transact_write_items",
    }
    assert set(analyse("pizza_bakery.handlers.bake.handler", bakery.roots).actions()) == {
        "states:StartExecution",
        "events:PutEvents",
    }


def test_the_fixture_service_grants_exactly_what_it_needs(bakery: Bakery) -> None:
    assert _iam(bakery) == []


def test_an_action_the_code_calls_but_the_policy_lacks_is_reported(bakery: Bakery) -> None:
    bakery.edit("terraform/iam.tf", '"s3:GetObject", "s3:GetObjectVersion"', '"s3:GetObject"')
    assert _iam(bakery) == [
        "module.receive (pizza-bakery-receive): the code calls s3.get_object(VersionId=...) "
        "but the policy does not grant s3:GetObjectVersion"
    ]


def test_a_new_call_in_the_code_without_its_grant_is_reported(bakery: Bakery) -> None:
    bakery.edit(
        "src/pizza_bakery/adapters.py",
        "    def add(self, loaf_id: str, count: int) -> None:\n",
        "    def add(self, loaf_id: str, count: int) -> None:\n"
        "        self._dynamodb.delete_item(TableName=self._table, Key={})\n",
    )
    assert _iam(bakery) == [
        "module.receive (pizza-bakery-receive): the code calls dynamodb.delete_item "
        "but the policy does not grant dynamodb:DeleteItem"
    ]


def test_a_method_of_a_reached_class_that_nothing_names_calls_nothing(bakery: Bakery) -> None:
    """Methods are reached by name: a class's unused method does not count (an intake reading its order book
    through `get` never needs the book's `place`)."""
    bakery.edit(
        "src/pizza_bakery/adapters.py",
        "    def add(self, loaf_id: str, count: int) -> None:\n",
        "    def forget(self, loaf_id: str) -> None:\n"
        "        self._dynamodb.delete_item(TableName=self._table, Key={})\n\n"
        "    def add(self, loaf_id: str, count: int) -> None:\n",
    )
    assert "dynamodb:DeleteItem" not in analyse("pizza_bakery.handlers.receive.handler", bakery.roots).actions()
    assert _iam(bakery) == []
    bakery.edit(
        "src/pizza_bakery/handlers/receive.py",
        "        Loaves().add(",
        "        Loaves().forget(s3['object']['key'])\n        Loaves().add(",
    )
    assert _iam(bakery) == [
        "module.receive (pizza-bakery-receive): the code calls dynamodb.delete_item "
        "but the policy does not grant dynamodb:DeleteItem"
    ]


def test_a_transaction_through_pizza_common_dynamodb_needs_each_kind_of_item_it_holds(bakery: Bakery) -> None:
    """pizza_common.dynamodb.transact with a ConditionCheck needs dynamodb:ConditionCheckItem; one without
    needs only what its items are (here an Update)."""
    raw = bakery.root / "src" / "pizza_bakery" / "adapters.py"
    start = raw.read_text().index("        self._dynamodb.transact_write_items(")
    end = raw.read_text().index("\n\n\ndef delivery")
    toolkit = (
        "        transact(\n"
        "            self._dynamodb,\n"
        "            [Update(self._table, {'loafId': loaf_id}, 'ADD n :n', values={':n': count}),\n"
        "             ConditionCheck(self._table, {'loafId': 'oven'}, 'attribute_exists(loafId)')],\n"
        "        )"
    )
    bakery.edit("src/pizza_bakery/adapters.py", raw.read_text()[start:end], toolkit)
    bakery.edit(
        "src/pizza_bakery/adapters.py",
        "from pizza_common import aws\n",
        "from pizza_common import aws\nfrom pizza_common.dynamodb import ConditionCheck, Update, transact\n",
    )
    actions = analyse("pizza_bakery.handlers.receive.handler", bakery.roots).actions()
    assert {a for a in actions if a.startswith("dynamodb:")} == {"dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"}
    assert _iam(bakery) == []
    bakery.edit(
        "src/pizza_bakery/adapters.py",
        ",\n             ConditionCheck(self._table, {'loafId': 'oven'}, 'attribute_exists(loafId)')",
        "",
    )
    assert _iam(bakery) == [
        "module.receive (pizza-bakery-receive): the policy grants dynamodb:ConditionCheckItem, which nothing calls "
        "(not the code, not its event sources, not tests/terraform/iam_allowlist.yaml)"
    ]


def test_an_action_granted_that_nothing_calls_is_reported(bakery: Bakery) -> None:
    bakery.edit("terraform/iam.tf", '["states:StartExecution"]', '["states:StartExecution", "states:StopExecution"]')
    [problem] = _iam(bakery)
    assert problem.startswith(
        "module.bake (pizza-bakery-bake): the policy grants states:StopExecution, which nothing calls"
    )


def test_a_wildcard_that_covers_more_than_is_called_is_reported(bakery: Bakery) -> None:
    bakery.edit("terraform/iam.tf", '["states:StartExecution"]', '["states:*"]')
    assert _iam(bakery) == []  # states:* covers the call: the wildcard is judged by what it is needed for
    bakery.edit("terraform/iam.tf", '["events:PutEvents"]', '["events:PutEvents", "sqs:*"]')
    assert _iam(bakery) == []  # sqs:* is needed for the poller's actions, which it covers


def test_the_poller_actions_of_an_event_source_mapping_are_required(bakery: Bakery) -> None:
    bakery.edit(
        "terraform/iam.tf",
        '["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]',
        '["sqs:ReceiveMessage", "sqs:DeleteMessage"]',
    )
    assert _iam(bakery) == [
        "module.bake (pizza-bakery-bake): its event source mapping needs sqs:GetQueueAttributes, "
        "which the policy does not grant"
    ]


def test_an_allowlisted_action_may_be_granted_without_a_call(bakery: Bakery) -> None:
    from tf_iam import Allowed

    bakery.edit(
        "terraform/iam.tf", '["states:StartExecution"]', '["states:StartExecution", "states:DescribeExecution"]'
    )
    allowed = [Allowed("states:DescribeExecution", "read by a library", ("pizza-bakery-bake",))]
    assert iam_problems(scope(bakery.module), bakery.roots, allowlist=allowed) == []
