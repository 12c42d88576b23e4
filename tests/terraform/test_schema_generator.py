"""tools/terraform_schema.py turns the jsii assembly of cdktn-provider-aws into the compact schema."""

from __future__ import annotations

import importlib.util
import sys

from tf_files import ROOT

_spec = importlib.util.spec_from_file_location("terraform_schema", ROOT / "tools" / "terraform_schema.py")
assert _spec and _spec.loader
terraform_schema = importlib.util.module_from_spec(_spec)
sys.modules["terraform_schema"] = terraform_schema
_spec.loader.exec_module(terraform_schema)

DOCS = "https://registry.terraform.io/providers/hashicorp/aws/6.1.0/docs"


def _prop(name: str, tf: str, type_: dict, optional: bool = True, block: bool = False) -> dict:
    link = f"Docs at Terraform Registry: {{@link {DOCS}/resources/aws_oven#{tf} Oven#{tf}}}"
    docs = {"summary": f"{tf} block.", "remarks": link} if block else {"summary": link}
    return {"name": name, "type": type_, "docs": docs, **({"optional": True} if optional else {})}


ASSEMBLY = {
    "types": {
        "p.oven.Oven": {
            "kind": "class",
            "docs": {"summary": f"Represents a {{@link {DOCS}/resources/oven aws_oven}}."},
            "initializer": {
                "parameters": [{"name": "scope"}, {"name": "config", "type": {"fqn": "p.oven.OvenConfig"}}]
            },
        },
        "p.oven.OvenConfig": {
            "kind": "interface",
            "datatype": True,
            "properties": [
                _prop("name", "name", {"primitive": "string"}, optional=False),
                _prop("tags", "tags", {"collection": {"kind": "map", "elementtype": {"primitive": "string"}}}),
                _prop(
                    "shelf",
                    "shelf",
                    {
                        "union": {
                            "types": [
                                {"fqn": "cdktn.IResolvable"},
                                {"collection": {"kind": "array", "elementtype": {"fqn": "p.oven.OvenShelf"}}},
                            ]
                        }
                    },
                    block=True,
                ),
            ],
        },
        "p.oven.OvenShelf": {
            "kind": "interface",
            "datatype": True,
            "properties": [
                _prop("heatLevel", "heat_level", {"primitive": "number"}, optional=False),
                _prop("shelf", "shelf", {"fqn": "p.oven.OvenShelf"}, block=True),
            ],
        },
        "p.data.DataAwsOven": {
            "kind": "class",
            "docs": {"summary": f"Represents a {{@link {DOCS}/data-sources/oven aws_oven}}."},
            "initializer": {"parameters": [{"name": "config", "type": {"fqn": "p.data.DataAwsOvenConfig"}}]},
        },
        "p.data.DataAwsOvenConfig": {
            "kind": "interface",
            "datatype": True,
            "properties": [_prop("name", "name", {"primitive": "string"})],
        },
    }
}


def test_arguments_blocks_and_required_names_come_from_the_assembly() -> None:
    schema = terraform_schema.compact_schema(ASSEMBLY)
    assert schema["provider_version"] == "6.1.0"
    assert schema["resources"] == {
        "aws_oven": {
            "arguments": ["name", "tags"],
            "required": ["name"],
            "blocks": {
                "shelf": {
                    "arguments": ["heat_level"],
                    "required": ["heat_level"],
                    "blocks": {"shelf": {"same_as_enclosing": 1}},
                }
            },
        }
    }
    assert schema["data_sources"] == {"aws_oven": {"arguments": ["name"]}}


def test_the_wheel_is_pinned_by_version_and_sha256() -> None:
    assert terraform_schema.VERSION.count(".") == 2
    assert len(terraform_schema.WHEEL_SHA256) == 64


def test_a_block_that_nests_itself_is_checked_against_its_enclosing_schema() -> None:
    from tf_schema import _check_body

    schema = terraform_schema.compact_schema(ASSEMBLY)["resources"]["aws_oven"]
    body = {"name": "x", "shelf": [{"heat_level": 1, "shelf": [{"heat_level": 2, "colour": "red"}]}]}
    assert _check_body("aws_oven.x", body, schema, True) == [
        "aws_oven.x.shelf.shelf: no argument or block 'colour' in hashicorp/aws"
    ]
