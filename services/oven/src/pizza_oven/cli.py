"""Send N pizzas to the oven and follow them to the BakedItems queue (the original's ``examples/demo --n=100``).

    python -m pizza_oven.cli --n 100                       # the local cloud (.localcloud/outputs.json)
    python -m pizza_oven.cli --n 20 --baking-time 2 --outputs oven-outputs.json   # `terraform output -json`

It prints progress while the pizzas bake and a summary: baked, duplicates, the most pizzas seen in the
oven at once (of its capacity), elapsed time. Exit status 0 when every pizza came out exactly once.
The client itself is :mod:`pizza_oven.client` (``bake()`` is what ``pizza oven bake --n`` reuses).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from pizza_oven.client import DEFAULT_OUTPUTS, OutputsError, OvenClient, OvenUnreachable, bake, load_outputs

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pizza_oven.cli", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10, help="how many pizzas to bake (default 10)")
    parser.add_argument("--baking-time", type=int, default=None, help="seconds each bakes (default: the oven's)")
    parser.add_argument(
        "--outputs",
        type=Path,
        default=Path(os.environ.get("LOCALCLOUD_OUTPUTS", DEFAULT_OUTPUTS)),
        help="outputs JSON: the local cloud's (default .localcloud/outputs.json) or terraform output -json",
    )
    parser.add_argument("--timeout", type=float, default=600, help="give up after this many seconds")
    args = parser.parse_args(argv)
    try:
        client = OvenClient(load_outputs(args.outputs))
        summary = bake(client, args.n, baking_time_secs=args.baking_time, timeout_secs=args.timeout)
    except OutputsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (EndpointConnectionError, OvenUnreachable) as error:
        where = getattr(error, "kwargs", {}).get("endpoint_url") or str(error)
        print(f"error: cannot reach the oven at {where}: is the local cloud running (make up)?", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as error:
        print(f"error: the oven answered: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    for line in summary.lines():
        print(line)
    return 0 if summary.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
