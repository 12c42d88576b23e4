"""Each module README's Inputs and Outputs tables are the ones its code declares."""

from __future__ import annotations

import shutil

import readme_tables
from tf_files import TERRAFORM


def test_every_module_readme_has_the_tables_of_its_code() -> None:
    problems = readme_tables.stale()
    assert not problems, "\n".join(problems) + "\nrun: python tests/terraform/readme_tables.py --write"


def test_a_variable_added_without_its_readme_row_is_reported_and_write_fixes_it(tmp_path) -> None:
    module = tmp_path / "modules" / "lambda_function"
    shutil.copytree(TERRAFORM / "modules" / "lambda_function", module)
    with (module / "variables.tf").open("a") as variables:
        variables.write(
            '\nvariable "oven_count" {\n  description = "How many ovens."\n  type = number\n  default = 2\n}\n'
        )
    assert readme_tables.stale(tmp_path) == [f"{module / 'README.md'}: Inputs/Outputs tables differ from the code"]

    assert readme_tables.main(["--write", str(tmp_path)]) == 0
    assert "| oven_count | How many ovens. | `number` | `2` |" in (module / "README.md").read_text()
    assert readme_tables.stale(tmp_path) == []
