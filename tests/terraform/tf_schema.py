"""Every resource and data source, and every argument and block in them, checked against hashicorp/aws.

The schema is the compact JSON that tools/terraform_schema.py writes from the pinned cdktn-provider-aws
wheel (build/terraform/aws-provider-schema.json, made once per clone: ``make terraform-schema``).
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tf_files import ROOT, blocks, parse, relative, tf_files

SCHEMA = ROOT / "build" / "terraform" / "aws-provider-schema.json"
GENERATOR = ROOT / "tools" / "terraform_schema.py"

# Terraform's own arguments and blocks, valid in every resource and data source.
META_ARGUMENTS = {"count", "for_each", "depends_on", "provider"}
META_BLOCKS = {"lifecycle", "provisioner", "connection"}


def load_schema() -> dict[str, Any]:
    """The compact schema, generated first if this clone has none yet (one process at a time)."""
    SCHEMA.parent.mkdir(parents=True, exist_ok=True)
    with (SCHEMA.parent / ".schema.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not SCHEMA.exists() or SCHEMA.stat().st_mtime < GENERATOR.stat().st_mtime:
            done = subprocess.run(
                [sys.executable, str(GENERATOR), "--out", str(SCHEMA)], capture_output=True, text=True
            )
            if done.returncode != 0:
                raise RuntimeError(f"{relative(GENERATOR)} failed:\n{done.stdout}{done.stderr}")
    return json.loads(SCHEMA.read_text())


def _check_body(
    where: str, body: dict[str, Any], schema: dict[str, Any], top: bool, enclosing: tuple[dict[str, Any], ...] = ()
) -> list[str]:
    if "same_as_enclosing" in schema:  # a block that nests itself (see tools/terraform_schema.py)
        schema = enclosing[-schema["same_as_enclosing"]]
    enclosing = (*enclosing, schema)
    problems: list[str] = []
    arguments = set(schema.get("arguments", []))
    nested = schema.get("blocks", {})
    given: set[str] = set()
    for name, value in body.items():
        if top and name in META_ARGUMENTS | META_BLOCKS:
            continue
        if name == "dynamic":
            for dynamic in value:
                for block_name, spec in dynamic.items():
                    given.add(block_name)
                    if block_name not in nested:
                        problems.append(f"{where}: no block {block_name!r} (dynamic)")
                        continue
                    for content in spec.get("content", []):
                        problems += _check_body(f"{where}.{block_name}", content, nested[block_name], False, enclosing)
            continue
        given.add(name)
        if name in nested:
            if not (isinstance(value, list) and all(isinstance(item, dict) for item in value)):
                problems.append(f"{where}: {name!r} is a block, write `{name} {{ ... }}`, not `{name} = ...`")
                continue
            for item in value:
                problems += _check_body(f"{where}.{name}", item, nested[name], False, enclosing)
        elif name not in arguments:
            problems.append(f"{where}: no argument or block {name!r} in hashicorp/aws")
    for name in schema.get("required", []):
        if name not in given:
            problems.append(f"{where}: required {name!r} is missing")
    return problems


def check_file(path: Path, schema: dict[str, Any]) -> list[str]:
    parsed = parse(path)
    problems: list[str] = []
    for kind, section in (("resource", "resources"), ("data", "data_sources")):
        for type_name, name, body in blocks(parsed, kind):
            where = f"{relative(path)}: {'data.' if kind == 'data' else ''}{type_name}.{name}"
            if not type_name.startswith("aws_"):
                continue  # another provider's resource: not this schema's business
            if type_name not in schema[section]:
                problems.append(f"{where}: hashicorp/aws {schema['provider_version']} has no {kind} {type_name!r}")
                continue
            problems += _check_body(where, body, schema[section][type_name], True)
    for provider in parsed.get("provider", []):
        if "aws" in provider and "provider_config" in schema:
            body = provider["aws"]
            problems += _check_body(f"{relative(path)}: provider aws", body, schema["provider_config"], True)
    return problems


def check_tree(root: Path, schema: dict[str, Any]) -> list[str]:
    return [problem for path in tf_files(root) for problem in check_file(path, schema)]
