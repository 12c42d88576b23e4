"""checkov over terraform/, run from its own venv (.venv-checkov), against the committed skip file."""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from tf_files import ROOT

VENV = ROOT / ".venv-checkov"
CHECKOV = VENV / "bin" / "checkov"
SKIPS = Path(__file__).resolve().parent / "checkov_skips.yaml"
INSTALL = "make checkov-venv"


@dataclass(frozen=True)
class Skip:
    id: str
    reason: str
    resources: tuple[str, ...] = ()

    def matches(self, failed: dict[str, Any]) -> bool:
        if failed["check_id"] != self.id:
            return False
        return not self.resources or any(fnmatch.fnmatchcase(failed["resource"], p) for p in self.resources)


def load_skips(path: Path = SKIPS) -> list[Skip]:
    entries = yaml.safe_load(path.read_text())["skips"]
    return [Skip(e["id"], " ".join(str(e.get("reason", "")).split()), tuple(e.get("resources", ()))) for e in entries]


def run(directory: Path) -> dict[str, Any]:
    """checkov's JSON report of ``directory`` (offline: no policy download, no platform)."""
    done = subprocess.run(
        [str(CHECKOV), "-d", str(directory), "--framework", "terraform", "--skip-download", "--compact",
         "--quiet", "-o", "json"],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )  # fmt: skip
    if done.returncode not in (0, 1):
        raise RuntimeError(f"checkov failed ({done.returncode}):\n{done.stderr[-2000:]}")
    report = json.loads(done.stdout) if done.stdout.strip() else {}
    reports = report if isinstance(report, list) else [report]
    terraform = [r for r in reports if r.get("check_type") == "terraform"]
    if not terraform:
        # checkov prints a bare summary when it found nothing to check.
        return {"summary": {"parsing_errors": 0, "passed": 0, "failed": 0}, "results": {"failed_checks": []}}
    return terraform[0]


def unexpected(report: dict[str, Any], skips: list[Skip]) -> tuple[list[str], list[Skip]]:
    """Failed checks no skip covers, and skips that covered nothing."""
    failures, used = [], set()
    for failed in report.get("results", {}).get("failed_checks", []):
        covering = [s for s in skips if s.matches(failed)]
        used.update(covering)
        if not covering:
            failures.append(
                f"{failed['check_id']} {failed['resource']} ({failed['file_path']}:"
                f"{failed.get('file_line_range', ['?'])[0]}): {failed['check_name']}"
            )
    return failures, [s for s in skips if s not in used]
