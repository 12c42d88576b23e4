"""Every .tf is formatted as `terraform fmt` writes it, and parses."""

from __future__ import annotations

import pytest
from tf_files import TERRAFORM, configurations, parse, relative, tf_files
from tf_fmt import unformatted


def test_the_repo_has_terraform_to_check() -> None:
    assert (TERRAFORM / "modules" / "lambda_function" / "main.tf").exists()
    assert len(configurations()) >= 2


def test_every_tf_file_is_formatted_as_terraform_fmt_writes_it() -> None:
    files, diff = unformatted(TERRAFORM)
    assert not files, f"run `terraform fmt -recursive terraform` (or see the diff):\n{diff}"


@pytest.mark.parametrize("path", tf_files(), ids=relative)
def test_every_tf_file_parses(path) -> None:
    parsed = parse(path)
    assert isinstance(parsed, dict)
