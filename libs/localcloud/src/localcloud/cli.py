"""``localcloud``: start, stop and inspect the local cloud.

    localcloud up [--port 4566] [--chaos duplicates] [--chaos throttle=0.1] [--ttl-lag 30] [--ttl-interval 5]
                  [--no-transaction-conflicts] [--no-kms-etags] [--stack module:attr ...] [--prefix pizza] [--detach]
    localcloud status
    localcloud ttl-sweep [--now 2030-01-01T00:00:00Z]
    localcloud down

State lives in ``--state-dir`` (default ``./.localcloud``): ``localcloud.pid`` while it runs, ``outputs.json``
(the endpoint and every service's outputs), ``logs/<function>.log`` and ``localcloud.out`` (the detached
process's own output).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["main"]

READY_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 30.0


class CliError(Exception):
    """A failure worth one clear line, not a traceback."""


def _paths(state_dir: Path) -> tuple[Path, Path]:
    return state_dir / "localcloud.pid", state_dir / "outputs.json"


def _read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own exited child, not reaped yet) is not running.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


def _running_pid(state_dir: Path) -> int | None:
    pid = _read_pid(_paths(state_dir)[0])
    return pid if pid is not None and _alive(pid) else None


def _control(state_dir: Path, command: str, body: dict[str, Any] | None = None) -> Any:
    """POST a control command to the running cloud (its endpoint is in outputs.json)."""
    if _running_pid(state_dir) is None:
        raise CliError(
            f"localcloud is not running (no live process in {_paths(state_dir)[0]}); start it with `localcloud up`"
        )
    _, outputs = _paths(state_dir)
    try:
        endpoint = json.loads(outputs.read_text())["endpoint"]
    except (FileNotFoundError, KeyError, ValueError) as error:
        raise CliError(f"cannot read the endpoint from {outputs}: {error}") from None
    request = urllib.request.Request(
        f"{endpoint}/_localcloud/{command}",
        data=json.dumps(body or {}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        raise CliError(f"{command} failed: {error.read().decode(errors='replace')}") from None
    except urllib.error.URLError as error:
        raise CliError(f"localcloud does not answer at {endpoint}: {error.reason}") from None


# --- up -------------------------------------------------------------------------------------------------


def _stacks(args: argparse.Namespace) -> list[Any]:
    from localcloud.discovery import entry_point_stacks, load_stack

    try:
        if args.stack:
            return [load_stack(spec, args.prefix) for spec in args.stack]
        stacks = entry_point_stacks(args.prefix)
    except (ImportError, AttributeError, TypeError, ValueError) as error:
        raise CliError(f"cannot load the stacks: {type(error).__name__}: {error}") from None
    if not stacks:
        raise CliError("no stacks: install a service that declares a 'localcloud.stacks' entry point, or pass --stack")
    return stacks


def cmd_up(args: argparse.Namespace) -> int:
    state_dir: Path = args.state_dir
    running = _running_pid(state_dir)
    if running is not None:
        raise CliError(f"localcloud already runs here (pid {running}); `localcloud down` first")
    if args.detach:
        return _up_detached(args)

    from localcloud.cloud import LocalCloud
    from localcloud.dynamodb_local import EngineError

    pid_file, outputs = _paths(state_dir)
    chaos = _chaos(args.chaos)
    cloud = LocalCloud(
        _stacks(args),
        port=args.port,
        region=args.region,
        state_dir=state_dir,
        chaos_duplicates=chaos.duplicates,
        chaos_throttle=chaos.throttle,
        concurrency=args.concurrency,
        ttl_sweep_interval=args.ttl_interval or None,
        ttl_lag_seconds=args.ttl_lag,
        transaction_conflicts=args.transaction_conflicts,
        kms_etags=args.kms_etags,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        cloud.start()
    except EngineError as error:
        raise CliError(str(error)) from None
    except OSError as error:
        raise CliError(f"cannot start on port {args.port}: {error}") from None
    try:
        pid_file.write_text(f"{os.getpid()}\n")
        print(f"localcloud is up at {cloud.endpoint} (region {cloud.region})", flush=True)
        print(f"outputs: {outputs}", flush=True)
        for name, url in cloud.status()["function_urls"].items():
            print(f"function url {name}: {url}", flush=True)
        if cloud.chaos_duplicates:
            print("chaos: every event is delivered at least twice; Express executions run twice", flush=True)
        if cloud.chaos_throttle:
            print(
                f"chaos: {cloud.chaos_throttle:.0%} of DynamoDB calls throttled, of batches answered in part; "
                "as many Kinesis puts throttled, of PutRecords entries refused",
                flush=True,
            )
        ttl = (
            f"every {cloud.ttl_sweep_interval:g} s, {cloud.ttl_lag_seconds:g} s late"
            if cloud.ttl_sweep_interval
            else "never"
        )
        conflicts = "on" if cloud.transaction_conflicts else "off"
        print(f"dynamodb: TTL sweeps {ttl}; transaction conflicts {conflicts}", flush=True)
        print(f"logs: {cloud.log_dir}/<function>.log; stop with Ctrl-C or `localcloud down`", flush=True)
        stop.wait()
    finally:
        print("localcloud is stopping", flush=True)
        cloud.stop()
        if _read_pid(pid_file) == os.getpid():
            pid_file.unlink(missing_ok=True)
    print("localcloud stopped", flush=True)
    return 0


def _up_detached(args: argparse.Namespace) -> int:
    state_dir: Path = args.state_dir
    state_dir.mkdir(parents=True, exist_ok=True)
    pid_file, outputs = _paths(state_dir)
    pid_file.unlink(missing_ok=True)
    command = [sys.executable, "-m", "localcloud.cli", "--state-dir", str(state_dir), *_up_arguments(args)]
    log_path = state_dir / "localcloud.out"
    with open(log_path, "wb") as log:
        child = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if _read_pid(pid_file) == child.pid:
            endpoint = json.loads(outputs.read_text())["endpoint"]
            print(f"localcloud is up at {endpoint} (pid {child.pid})")
            print(f"outputs: {outputs}")
            print(f"its own output: {log_path}; stop it with `localcloud down`")
            return 0
        if child.poll() is not None:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-15:]
            raise CliError("localcloud exited while starting:\n" + "\n".join(tail))
        time.sleep(0.1)
    child.terminate()
    raise CliError(f"localcloud was not ready within {READY_TIMEOUT_SECONDS:.0f} s; see {log_path}")


def _up_arguments(args: argparse.Namespace) -> list[str]:
    arguments = ["up", "--port", str(args.port), "--prefix", args.prefix, "--region", args.region]
    arguments += ["--concurrency", str(args.concurrency), "--ttl-interval", str(args.ttl_interval)]
    arguments += ["--ttl-lag", str(args.ttl_lag)]
    for chaos in args.chaos or []:
        arguments += ["--chaos", chaos]
    if not args.transaction_conflicts:
        arguments.append("--no-transaction-conflicts")
    if not args.kms_etags:
        arguments.append("--no-kms-etags")
    for spec in args.stack or []:
        arguments += ["--stack", spec]
    return arguments


class Chaos:
    """The chaos switches of ``up`` (and of the pytest plugin's ``--localcloud-chaos``)."""

    def __init__(self, duplicates: bool = False, throttle: float = 0.0) -> None:
        self.duplicates = duplicates
        self.throttle = throttle


def _chaos_value(text: str) -> str:
    _chaos([text])
    return text


def _chaos(values: list[str] | None) -> Chaos:
    """``["duplicates", "throttle=0.1"]`` -> Chaos(duplicates=True, throttle=0.1); anything else is refused."""
    chaos = Chaos()
    for value in values or []:
        name, _, rate = value.partition("=")
        if name == "duplicates" and not rate:
            chaos.duplicates = True
        elif name == "throttle":
            try:
                chaos.throttle = float(rate) if rate else 0.1
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"throttle={rate!r}: the rate is a number, e.g. throttle=0.1"
                ) from None
            if not 0 <= chaos.throttle < 0.5:
                raise argparse.ArgumentTypeError(f"throttle={rate}: the rate is a share from 0 to under 0.5")
        else:
            raise argparse.ArgumentTypeError(
                f"unknown chaos {value!r}: duplicates, or throttle=RATE (e.g. throttle=0.1)"
            )
    return chaos


# --- down, status, ttl-sweep ----------------------------------------------------------------------------


def cmd_down(args: argparse.Namespace) -> int:
    pid_file, _ = _paths(args.state_dir)
    pid = _read_pid(pid_file)
    if pid is None or not _alive(pid):
        pid_file.unlink(missing_ok=True)
        print("localcloud is not running")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            print(f"localcloud (pid {pid}) did not stop within {STOP_TIMEOUT_SECONDS:.0f} s: killed")
            break
        time.sleep(0.1)
    else:
        print(f"localcloud (pid {pid}) stopped")
    pid_file.unlink(missing_ok=True)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    if _running_pid(args.state_dir) is None:
        print("localcloud is not running")
        return 3
    status = _control(args.state_dir, "status")
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    print(f"localcloud runs (pid {status['pid']}) at {status['endpoint']}, region {status['region']}")
    print(f"stacks: {', '.join(status['stacks']) or '-'}; outputs: {status['outputs']}")
    if status.get("chaos_duplicates"):
        print("chaos: duplicate delivery")
    if status.get("chaos_throttle"):
        print(f"chaos: throttling {status['chaos_throttle']:.0%}")
    dynamodb = status.get("dynamodb") or {}
    if dynamodb:
        print(
            f"dynamodb: DynamoDB Local pid {dynamodb.get('engine_pid')}; {dynamodb.get('forwarded', 0)} requests, "
            f"{dynamodb.get('transaction_conflicts', 0)} transaction and {dynamodb.get('write_conflicts', 0)} write "
            f"conflicts, {dynamodb.get('throttled', 0)} throttled, {dynamodb.get('partial_batches', 0)} partial "
            f"batches, {dynamodb.get('ttl_deleted', 0)} TTL deletions"
        )
    for name, url in status["function_urls"].items():
        print(f"function url {name}: {url}")
    print(f"functions ({len(status['functions'])}):")
    for function in status["functions"]:
        print(
            f"  {function['name']}: {function['workers']}/{function['concurrency']} workers, "
            f"{function['invocations']} invocations, {function['errors']} errors ({function['timeouts']} timeouts)"
        )
    print(f"sources ({len(status['sources'])}):")
    for line in status["sources"]:
        print(f"  {line}")
    return 0


def cmd_ttl_sweep(args: argparse.Namespace) -> int:
    now = args.now
    if now is not None:
        try:
            moment = datetime.fromisoformat(now.replace("Z", "+00:00"))
        except ValueError:
            raise CliError(f"--now {now!r} is not an ISO time (e.g. 2030-01-01T00:00:00Z)") from None
        now = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()
    answer = _control(args.state_dir, "ttl-sweep", {"now": now})
    deleted = answer["deleted"]
    total = sum(deleted.values())
    print(f"TTL sweep at {answer['now']}: {total} expired item{'s' if total != 1 else ''} deleted")
    for table, count in sorted(deleted.items()):
        print(f"  {table}: {count}")
    return 0


# --- main -----------------------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="localcloud", description="An offline AWS for Lambda stacks.")
    root.add_argument(
        "--state-dir",
        type=Path,
        default=Path(os.environ.get("LOCALCLOUD_STATE_DIR", ".localcloud")),
        help="where the pid file, outputs.json and logs live (default ./.localcloud)",
    )
    commands = root.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="start the local cloud with every stack")
    up.add_argument("--port", type=int, default=4566, help="the emulator's port on 127.0.0.1 (0: any free port)")
    up.add_argument(
        "--chaos",
        action="append",
        type=_chaos_value,
        metavar="duplicates|throttle=RATE",
        help="duplicates: deliver every event at least twice (Express executions run twice); throttle=RATE: that "
        "share of DynamoDB calls throttled and of batch calls answered in part (repeatable)",
    )
    up.add_argument("--stack", action="append", metavar="MODULE:ATTR", help="a stack to run (default: entry points)")
    up.add_argument("--prefix", default="pizza", help="the name prefix of every resource (default pizza)")
    up.add_argument("--region", default="us-east-1")
    up.add_argument("--concurrency", type=int, default=4, help="workers per function without reserved concurrency")
    up.add_argument(
        "--ttl-interval", type=float, default=5.0, help="sweep expired items every N seconds of real time (0: never)"
    )
    up.add_argument(
        "--ttl-lag",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="an expired item stays readable this long before a sweep deletes it (AWS: up to days; default 30)",
    )
    up.add_argument(
        "--no-transaction-conflicts",
        dest="transaction_conflicts",
        action="store_false",
        help="never cancel overlapping transactions with TransactionConflict (on by default, as on AWS)",
    )
    up.add_argument(
        "--no-kms-etags",
        dest="kms_etags",
        action="store_false",
        help="give SSE-KMS objects MD5 ETags (by default they are opaque, as on S3)",
    )
    up.add_argument("--detach", action="store_true", help="run in the background; return once it is ready")
    up.set_defaults(handler=cmd_up)

    down = commands.add_parser("down", help="stop the local cloud started here")
    down.set_defaults(handler=cmd_down)

    status = commands.add_parser("status", help="what runs: endpoint, functions, sources")
    status.add_argument("--json", action="store_true", help="the full status as JSON")
    status.set_defaults(handler=cmd_status)

    sweep = commands.add_parser("ttl-sweep", help="apply DynamoDB TTL now, as if the clock read --now")
    sweep.add_argument("--now", help="ISO time, e.g. 2030-01-01T00:00:00Z (default: the real time)")
    sweep.set_defaults(handler=cmd_ttl_sweep)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.state_dir = args.state_dir.resolve()
    try:
        return int(args.handler(args))
    except CliError as error:
        print(f"localcloud: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
