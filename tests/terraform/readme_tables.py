"""The Inputs and Outputs tables of each Terraform module's README, rendered from its variables and outputs.

    python tests/terraform/readme_tables.py            # list the READMEs whose tables differ from the code
    python tests/terraform/readme_tables.py --write    # rewrite those tables

A README's table is the first Markdown table after its ``## Inputs`` (or ``## Outputs``) heading; --write
replaces it, or appends the section when the README has none. Rows follow the order of the code.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tf_files import TERRAFORM, configurations, parse, relative

_EXPRESSION = re.compile(r"^\$\{(.*)\}$", re.DOTALL)


def _ordered_tf(folder: Path) -> list[Path]:
    files = sorted(folder.glob("*.tf"))
    return sorted(files, key=lambda p: (p.name not in ("variables.tf", "outputs.tf"), p.name))


def _code(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _hcl_value(value: Any) -> str:
    """A default as it reads in HCL: strings quoted, expressions bare."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        expression = _EXPRESSION.match(value)
        return expression.group(1) if expression else json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_hcl_value(item) for item in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{key} = {_hcl_value(item)}" for key, item in value.items()) + " }"
    return json.dumps(value)


def _type(value: Any) -> str:
    if value is None:
        return "any"
    expression = _EXPRESSION.match(str(value))
    return expression.group(1) if expression else str(value)


def inputs_table(folder: Path) -> str:
    rows = ["| Name | Description | Type | Default |", "|------|-------------|------|---------|"]
    for path in _ordered_tf(folder):
        for entry in parse(path).get("variable", []):
            for name, body in entry.items():
                default = _code(_hcl_value(body["default"])) if "default" in body else "required"
                rows.append(
                    f"| {name} | {_cell(body.get('description', ''))} | {_code(_type(body.get('type')))} | {default} |"
                )
    return "\n".join(rows)


def outputs_table(folder: Path) -> str:
    rows = ["| Name | Description |", "|------|-------------|"]
    for path in _ordered_tf(folder):
        for entry in parse(path).get("output", []):
            for name, body in entry.items():
                rows.append(f"| {name} | {_cell(body.get('description', ''))} |")
    return "\n".join(rows)


def _replace_table(readme: str, heading: str, table: str) -> str:
    lines = readme.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == heading)
    except StopIteration:
        return readme.rstrip("\n") + f"\n\n{heading}\n\n{table}\n"
    first = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("|")), None)
    next_heading = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("#")), len(lines))
    if first is None or first > next_heading:
        new = [*lines[: start + 1], "", *table.splitlines(), *lines[start + 1 :]]
    else:
        end = first
        while end < len(lines) and lines[end].startswith("|"):
            end += 1
        new = [*lines[:first], *table.splitlines(), *lines[end:]]
    return "\n".join(new) + "\n"


def rendered(folder: Path, readme: str) -> str:
    """The README with its Inputs and Outputs tables as the code says they should be."""
    readme = _replace_table(readme, "## Inputs", inputs_table(folder))
    return _replace_table(readme, "## Outputs", outputs_table(folder))


def documented(root: Path = TERRAFORM) -> list[Path]:
    """Folders whose README must carry the tables: every module, and every deployment that has a README."""
    return [
        folder for folder in configurations(root) if folder.parent.name == "modules" or (folder / "README.md").exists()
    ]


def stale(root: Path = TERRAFORM) -> list[str]:
    problems = []
    for folder in documented(root):
        readme = folder / "README.md"
        if not readme.exists():
            problems.append(f"{relative(readme)}: missing (every module has a README with Inputs and Outputs)")
        elif readme.read_text() != rendered(folder, readme.read_text()):
            problems.append(f"{relative(readme)}: Inputs/Outputs tables differ from the code")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check or rewrite the Inputs/Outputs tables of module READMEs.")
    parser.add_argument("--write", action="store_true", help="rewrite the tables that differ")
    parser.add_argument("root", nargs="?", type=Path, default=TERRAFORM)
    args = parser.parse_args(argv)
    if args.write:
        for folder in documented(args.root):
            readme = folder / "README.md"
            before = readme.read_text() if readme.exists() else f"# {folder.name}\n"
            after = rendered(folder, before)
            if after != before:
                readme.write_text(after)
                print(f"wrote {relative(readme)}")
        return 0
    problems = stale(args.root)
    for problem in problems:
        print(problem)
    if problems:
        print("run: python tests/terraform/readme_tables.py --write")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
