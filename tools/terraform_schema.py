"""Write a compact JSON of the hashicorp/aws provider schema, for checking Terraform without Terraform.

No Terraform binary and no provider download are reachable from CI, but PyPI serves cdktn-provider-aws,
whose wheel bundles a jsii assembly generated from the provider's own schema (``terraform providers
schema -json``). This reads that assembly straight out of the wheel (no install, no Node.js) and keeps
only what the checks need, for every resource and data source:

    {"arguments": [...], "required": [...], "blocks": {"<block>": {<the same, nested>}}}

``arguments`` are the settable attributes (computed-only ones such as ``arn`` are not settable and are
absent), ``blocks`` the nested blocks, ``required`` the attributes and blocks that must be given.

Usage: ``python tools/terraform_schema.py [--out build/terraform/aws-provider-schema.json] [--wheel FILE]``.
Without ``--wheel`` it fetches the pinned wheel with pip (``pip download``) and checks its sha256.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

# The pin: bump both together (pip download cdktn-provider-aws==X --no-deps; sha256sum the wheel).
PACKAGE = "cdktn-provider-aws"
VERSION = "25.8.1"  # hashicorp/aws 6.69.1
WHEEL_SHA256 = "2ffa579cb88b063cb3a9937e43c519391e876845768f51638a848bdf2ce9f354"

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "build" / "terraform" / "aws-provider-schema.json"

_REPRESENTS = re.compile(
    r"Represents a \{@link https://registry\.terraform\.io/providers/hashicorp/aws/(?P<version>[^/ ]+)/docs"
    r"(?:/(?P<kind>[a-z-]+)/\w+)? (?P<type>\w+)\}"
)
_ANCHOR = re.compile(r"#(\w+) \w+#")
_KINDS = {"resources": "resources", "data-sources": "data_sources", "ephemeral-resources": "ephemeral_resources"}


def fetch_wheel(dest: Path) -> Path:
    """Download the pinned wheel with pip and check it is the one pinned."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         "--dest", str(dest), f"{PACKAGE}=={VERSION}"],
        check=True,
    )  # fmt: skip
    wheel = next(dest.glob(f"{PACKAGE.replace('-', '_')}-{VERSION}-*.whl"))
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel.name}: sha256 {digest} is not the pinned {WHEEL_SHA256}")
    return wheel


def read_assembly(wheel: Path) -> dict[str, Any]:
    """The jsii assembly (``package/.jsii``) inside the npm tarball inside the wheel."""
    with zipfile.ZipFile(wheel) as archive:
        tarball = next(name for name in archive.namelist() if name.endswith(".jsii.tgz"))
        data = archive.read(tarball)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        member = tar.extractfile("package/.jsii")
        assert member is not None
        return json.loads(member.read())


def _struct_fqns(type_ref: dict[str, Any]) -> list[str]:
    """Every fqn named in a jsii type reference (through collections and unions)."""
    if "fqn" in type_ref:
        return [type_ref["fqn"]]
    if "collection" in type_ref:
        return _struct_fqns(type_ref["collection"]["elementtype"])
    if "union" in type_ref:
        return [fqn for member in type_ref["union"]["types"] for fqn in _struct_fqns(member)]
    return []


def _block_schema(types: dict[str, Any], fqn: str, within: tuple[str, ...] = ()) -> dict[str, Any]:
    if fqn in within:
        # A block that nests itself (a few recursive structures such as lexv2 conditions): point back up.
        return {"same_as_enclosing": len(within) - within.index(fqn)}
    arguments: list[str] = []
    required: list[str] = []
    blocks: dict[str, Any] = {}
    for prop in types[fqn].get("properties", []):
        docs = prop.get("docs", {})
        text = f"{docs.get('summary', '')} {docs.get('remarks', '')}"
        anchor = _ANCHOR.search(text)
        if anchor is None:
            raise ValueError(f"{fqn}.{prop['name']}: no Terraform name in its docs")
        name = anchor.group(1)
        nested = [f for f in _struct_fqns(prop["type"]) if types.get(f, {}).get("datatype")]
        if docs.get("summary", "").endswith(" block.") and nested:
            blocks[name] = _block_schema(types, nested[0], (*within, fqn))
        else:
            arguments.append(name)
        if not prop.get("optional"):
            required.append(name)
    schema: dict[str, Any] = {"arguments": sorted(arguments)}
    if required:
        schema["required"] = sorted(required)
    if blocks:
        schema["blocks"] = dict(sorted(blocks.items()))
    return schema


def compact_schema(assembly: dict[str, Any]) -> dict[str, Any]:
    types = assembly["types"]
    out: dict[str, Any] = {
        "source": f"{PACKAGE}=={VERSION}",
        "provider": "hashicorp/aws",
        "provider_version": None,
        "resources": {},
        "data_sources": {},
        "ephemeral_resources": {},
    }
    for ty in types.values():
        if ty["kind"] != "class" or "initializer" not in ty:
            continue
        match = _REPRESENTS.search(ty.get("docs", {}).get("summary", ""))
        if match is None:
            continue
        config = next(
            (p["type"]["fqn"] for p in ty["initializer"].get("parameters", []) if p["name"] == "config"), None
        )
        if config is None:
            continue
        schema = _block_schema(types, config)
        out["provider_version"] = match.group("version")
        if match.group("kind") is None:
            out["provider_config"] = schema
        else:
            out[_KINDS[match.group("kind")]][match.group("type")] = schema
    for kind in ("resources", "data_sources", "ephemeral_resources"):
        out[kind] = dict(sorted(out[kind].items()))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--wheel", type=Path, help="a local cdktn-provider-aws wheel instead of pip download")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        schema = compact_schema(read_assembly(wheel))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # One line per resource: small diffs, and quick to load.
    text = json.dumps(schema, sort_keys=True, separators=(",", ":"))
    args.out.write_text(text + "\n")
    print(
        f"{args.out}: hashicorp/aws {schema['provider_version']} from {schema['source']}: "
        f"{len(schema['resources'])} resources, {len(schema['data_sources'])} data sources, "
        f"{len(text) // 1024} KiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
