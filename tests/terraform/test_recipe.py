"""The deployment recipe as written (READMEs, tools/localstack.sh, the LocalStack files of each root) holds
against the roots it runs in: what this machine can check of it without Terraform or LocalStack."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import hcl2
import pytest
from tf_files import OPTIONS, ROOT, TERRAFORM, parse

DEPLOYMENTS = sorted(p.parent for p in (TERRAFORM / "deployments").glob("*/versions.tf"))
SCRIPT = ROOT / "tools" / "localstack.sh"
DOCS = [ROOT / "README.md", *sorted(TERRAFORM.rglob("README.md")), SCRIPT]


def _declared(root: Path) -> set[str]:
    return {name for tf in root.glob("*.tf") for entry in parse(tf).get("variable", []) for name in entry}


def _commands(text: str) -> list[str]:
    """Shell commands of a document, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line.split(" #", 1)[0].strip().strip("`") for line in joined.splitlines()]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_init_in_the_docs_passes_a_backend_config(doc: Path) -> None:
    inits = [c for c in _commands(doc.read_text()) if re.search(r"\b(terraform|tflocal) init\b", c)]
    assert [c for c in inits if "-backend-config=" not in c] == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_var_the_docs_pass_is_declared_by_a_deployment(doc: Path) -> None:
    declared = set().union(*(_declared(root) for root in DEPLOYMENTS))
    passed = set(re.findall(r"-var[ =]+([A-Za-z_][A-Za-z0-9_]*)=", doc.read_text()))
    assert passed - declared == set()


@pytest.mark.parametrize("root", DEPLOYMENTS, ids=lambda p: p.name)
def test_each_root_has_its_own_localstack_backend_key_and_declared_test_variables(root: Path) -> None:
    backend = hcl2.loads((root / "backend.localstack.hcl").read_text(), serialization_options=OPTIONS)
    assert backend["key"].strip('"') == f"cloud-pizza-place/{root.name}.tfstate"
    assert backend["bucket"].strip('"') == "terraform-state"  # what tools/localstack.sh creates
    variables = hcl2.loads((root / "localstack.tfvars").read_text(), serialization_options=OPTIONS)
    assert set(variables) <= _declared(root), set(variables) - _declared(root)


def test_the_script_applies_every_root_shared_first_each_with_its_own_backend_config() -> None:
    text = SCRIPT.read_text()
    assert subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True).returncode == 0
    [roots] = re.findall(r"^roots=\(([^)]*)\)", text, re.M)
    assert roots.split()[0] == "shared" and set(roots.split()) == {root.name for root in DEPLOYMENTS}
    inits = [c for c in _commands(text) if "tflocal init" in c]
    assert inits and all("-backend-config=backend.localstack.hcl" in c for c in inits)
    assert all("-var-file=localstack.tfvars" in c for c in _commands(text) if re.search(r"tflocal (apply|destroy)", c))


def test_tflocal_is_pinned_at_0_26_or_later() -> None:
    [pin] = [line for line in (TERRAFORM / "requirements-localstack.txt").read_text().splitlines() if "==" in line]
    name, version = pin.split("==")
    assert name == "terraform-local"
    assert tuple(int(part) for part in version.split(".")[:2]) >= (0, 26)
