"""Turn ``terraform output -json`` of deployed roots into the outputs file the integration tests read.

    terraform -chdir=terraform/deployments/stock output -json > build/outputs/stock.json   # one per root
    python tools/terraform_outputs.py build/outputs/*.json --endpoint http://localhost.localstack.cloud:4566 \\
        --region us-east-1 -o build/localstack-outputs.json
    LOCALCLOUD_OUTPUTS=build/localstack-outputs.json make test-integration

Each file is named after its deployment (``stock.json`` -> ``services.stock``); the result is
``{"endpoint": ..., "region": ..., "services": {"stock": {"api_url": ...}, ...}}``, what the local cloud
writes to ``.localcloud/outputs.json``. Values are taken as Terraform gives them: strings as they are,
numbers, booleans, lists and maps as JSON text (an outputs file holds strings). A sensitive output is
refused unless ``--allow-sensitive``: the file is read by tests and tools and may end up in CI logs.
Without ``--endpoint`` the file describes AWS itself (the key is left out), and the region is read from
``--region`` or ``AWS_REGION``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["OutputsError", "adapt", "main"]


class OutputsError(ValueError):
    pass


def _value(deployment: str, name: str, output: Any, allow_sensitive: bool) -> str:
    if not isinstance(output, dict) or "value" not in output:
        raise OutputsError(
            f"{deployment}: output {name!r} is not as `terraform output -json` writes it ({{value: ...}})"
        )
    if output.get("sensitive") and not allow_sensitive:
        raise OutputsError(f"{deployment}: output {name!r} is sensitive; pass --allow-sensitive to write it anyway")
    value = output["value"]
    if value is None:
        raise OutputsError(f"{deployment}: output {name!r} is null (is the deployment applied?)")
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def adapt(
    deployments: dict[str, dict[str, Any]],
    *,
    endpoint: str | None,
    region: str,
    allow_sensitive: bool = False,
) -> dict[str, Any]:
    """The outputs document for ``{deployment name: terraform output -json of it}``."""
    services: dict[str, dict[str, str]] = {}
    for deployment, outputs in sorted(deployments.items()):
        if not isinstance(outputs, dict) or not outputs:
            raise OutputsError(f"{deployment}: no outputs (run `terraform output -json` in an applied root)")
        services[deployment] = {
            name: _value(deployment, name, output, allow_sensitive) for name, output in sorted(outputs.items())
        }
    document: dict[str, Any] = {"region": region, "services": services}
    if endpoint:
        document = {"endpoint": endpoint.rstrip("/"), **document}
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "files", nargs="+", type=Path, help="terraform output -json of each root, named <deployment>.json"
    )
    parser.add_argument("--endpoint", help="the emulator's endpoint (LocalStack); leave out for AWS")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"))
    parser.add_argument("--allow-sensitive", action="store_true", help="write sensitive outputs too")
    parser.add_argument("-o", "--output", type=Path, help="where to write (default: standard output)")
    args = parser.parse_args(argv)
    if not args.region:
        parser.error("give --region (or set AWS_REGION)")
    try:
        deployments = {}
        for file in args.files:
            try:
                deployments[file.stem] = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as error:
                raise OutputsError(f"{file}: {error}") from None
        document = adapt(deployments, endpoint=args.endpoint, region=args.region, allow_sensitive=args.allow_sensitive)
    except OutputsError as error:
        print(f"terraform_outputs: {error}", file=sys.stderr)
        return 2
    text = json.dumps(document, indent=2) + "\n"
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
