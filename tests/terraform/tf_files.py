"""Finding and parsing the repo's Terraform: every module and deployment under terraform/, found by glob."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
# Strings come back without their quotes, expressions as "${...}" strings, blocks as lists of dicts.
OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)


def configurations(root: Path = TERRAFORM) -> list[Path]:
    """Every folder under ``root`` holding .tf files (modules and deployments), skipping .terraform caches."""
    folders = {tf.parent for tf in root.rglob("*.tf") if ".terraform" not in tf.parts}
    return sorted(folders)


def tf_files(root: Path = TERRAFORM) -> list[Path]:
    return sorted(tf for tf in root.rglob("*.tf") if ".terraform" not in tf.parts)


def parse(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return hcl2.load(handle, serialization_options=OPTIONS)


def blocks(parsed: dict[str, Any], kind: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(type, name, body)`` of every ``resource`` or ``data`` block of one parsed file."""
    for entry in parsed.get(kind, []):
        for type_name, named in entry.items():
            for name, body in named.items():
                yield type_name, name, body


def relative(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
