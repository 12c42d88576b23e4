"""Function workers: each function runs in its own processes, warm between invocations, as on Lambda.

A :class:`FunctionRuntime` implements the :class:`~localcloud.contracts.Invoker` contract. Each function
has a small pool of worker processes (``python -m localcloud.worker``), created lazily, up to its reserved
concurrency (or a default). A worker is reused while warm; one that times out or dies is killed and
replaced, and the invocation is an error result, never an exception of the runtime.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, BinaryIO

from localcloud.contracts import InvokeResult

__all__ = ["FunctionRuntime", "FunctionSpec"]

DEFAULT_CONCURRENCY = 4
# The init phase (importing the handler's module) is not charged to the invocation's timeout, and gets
# this long. Lambda gives 10 s; a loaded 2-core laptop importing boto3 and Powertools cold needs slack.
INIT_TIMEOUT_SECONDS = 60.0

# Variables of the local process the worker may inherit: what an interpreter needs to start and find
# packages. Nothing else leaks in (no AWS_PROFILE, no test settings): a function sees its own environment.
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV", "SYSTEMROOT")


@dataclass(frozen=True)
class FunctionSpec:
    """What the runtime needs to run one function (its environment already resolved)."""

    name: str
    handler: str
    environment: dict[str, str] = field(default_factory=dict)
    timeout: int = 30
    memory_size: int = 256
    concurrency: int = DEFAULT_CONCURRENCY
    code_paths: tuple[str, ...] = ()


class _WorkerDied(Exception):
    pass


class _Worker:
    """One worker process and its two pipes."""

    def __init__(self, spec: FunctionSpec, env: dict[str, str], log: BinaryIO) -> None:
        request_read, request_write = os.pipe()
        response_read, response_write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "localcloud.worker", str(request_read), str(response_write), *spec.code_paths],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(request_read, response_write),
                close_fds=True,
            )
        finally:
            os.close(request_read)
            os.close(response_write)
        self.requests = Connection(request_write, readable=False)
        self.responses = Connection(response_read, writable=False)
        self.ready = False
        self.invocations = 0

    def wait_ready(self, timeout: float) -> None:
        if self._receive(timeout) is None:
            raise _WorkerDied(f"the init phase took longer than {timeout:.0f} s")
        self.ready = True

    def invoke(self, request_id: str, event: Any, timeout: float) -> dict[str, Any] | None:
        """The worker's answer, or None when the timeout passed first."""
        deadline_ms = int((time.time() + timeout) * 1000)
        try:
            self.requests.send_bytes(
                json.dumps({"request_id": request_id, "deadline_ms": deadline_ms, "event": event}).encode()
            )
        except OSError as error:
            raise _WorkerDied(str(error)) from error
        self.invocations += 1
        return self._receive(timeout)

    def _receive(self, timeout: float) -> dict[str, Any] | None:
        try:
            if not self.responses.poll(timeout):
                return None
            return json.loads(self.responses.recv_bytes())
        except (EOFError, OSError) as error:
            raise _WorkerDied(f"exit code {self.process.poll()}") from error

    def kill(self) -> None:
        for connection in (self.requests, self.responses):
            with contextlib.suppress(OSError):
                connection.close()
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)

    def close(self) -> None:
        """Let the worker finish and exit (EOF on its request pipe), killing it if it lingers."""
        with contextlib.suppress(OSError):
            self.requests.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=2)
        self.kill()


class _Pool:
    """The warm workers of one function, at most ``spec.concurrency`` at once."""

    def __init__(self, spec: FunctionSpec, env: dict[str, str], log_path: Path) -> None:
        self.spec = spec
        self.env = env
        self.log_path = log_path
        self._idle: list[_Worker] = []
        self._workers: set[_Worker] = set()  # every live worker, busy or idle, so close() can end them all
        self._count = 0
        self._condition = threading.Condition()
        self._closed = False
        self.invocations = 0
        self.errors = 0
        self.timeouts = 0
        self.cold_starts = 0

    def _log(self) -> BinaryIO:
        return open(self.log_path, "ab")

    def _acquire(self) -> _Worker:
        with self._condition:
            while True:
                if self._closed:
                    raise RuntimeError(f"function {self.spec.name!r} is stopped")
                if self._idle:
                    return self._idle.pop()
                if self._count < self.spec.concurrency:
                    self._count += 1
                    break
                self._condition.wait()
        worker: _Worker | None = None
        try:
            with self._log() as log:
                worker = _Worker(self.spec, self.env, log)
            with self._condition:
                self._workers.add(worker)
            self.cold_starts += 1
            worker.wait_ready(INIT_TIMEOUT_SECONDS)
            return worker
        except BaseException:
            if worker is not None:
                worker.kill()
            self._forget(worker)
            raise

    def _release(self, worker: _Worker) -> None:
        with self._condition:
            if self._closed:
                worker.close()
                self._count -= 1
                self._workers.discard(worker)
            else:
                self._idle.append(worker)
            self._condition.notify()

    def _forget(self, worker: _Worker | None) -> None:
        with self._condition:
            self._count -= 1
            self._workers.discard(worker)
            self._condition.notify()

    def invoke(self, event: Any) -> InvokeResult:
        request_id = str(uuid.uuid4())
        started = time.perf_counter()
        self.invocations += 1
        try:
            worker = self._acquire()
        except _WorkerDied as error:
            self.errors += 1
            return self._result(False, _runtime_error(f"the worker did not start: {error}"), started)
        try:
            answer = worker.invoke(request_id, event, float(self.spec.timeout))
        except _WorkerDied as error:
            worker.kill()
            self._forget(worker)
            self.errors += 1
            return self._result(
                False, _runtime_error(f"RequestId: {request_id} Error: Runtime exited ({error})"), started
            )
        if answer is None:
            # Lambda freezes and discards a timed-out sandbox: the next invocation starts cold.
            worker.kill()
            self._forget(worker)
            self.timeouts += 1
            self.errors += 1
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(f"{_now()} {request_id} Task timed out after {self.spec.timeout:.2f} seconds\n")
            message = f"{_now()} {request_id} Task timed out after {self.spec.timeout:.2f} seconds"
            return self._result(False, {"errorMessage": message}, started, timed_out=True)
        self._release(worker)
        if not answer["ok"]:
            self.errors += 1
            answer["payload"]["requestId"] = request_id
        return self._result(answer["ok"], answer["payload"], started)

    def _result(self, ok: bool, payload: Any, started: float, *, timed_out: bool = False) -> InvokeResult:
        duration_ms = (time.perf_counter() - started) * 1000
        return InvokeResult(self.spec.name, ok, payload, duration_ms, timed_out)

    def warm(self) -> int:
        with self._condition:
            return self._count

    def close(self) -> None:
        with self._condition:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = self._workers.difference(idle)
            self._workers.clear()
            self._count -= len(idle)
            self._condition.notify_all()
        for worker in idle:
            worker.close()
        for worker in busy:  # their invocations end as errors; the stopping cloud answers no one
            worker.kill()


def _runtime_error(message: str) -> dict[str, Any]:
    return {"errorMessage": message, "errorType": "Runtime.ExitError"}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{int(time.time() * 1000) % 1000:03d}Z"


class FunctionRuntime:
    """Runs functions in warm worker processes; an :class:`~localcloud.contracts.Invoker`."""

    def __init__(self, *, endpoint: str, region: str, account: str, log_dir: Path) -> None:
        self.endpoint = endpoint
        self.region = region
        self.account = account
        self.log_dir = log_dir
        self._pools: dict[str, _Pool] = {}
        self._lock = threading.Lock()

    def add(self, spec: FunctionSpec) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{spec.name}.log"
        log_path.write_bytes(b"")  # each cloud starts its functions' logs afresh
        pool = _Pool(spec, self.environment(spec), log_path)
        with self._lock:
            if spec.name in self._pools:
                raise ValueError(f"function {spec.name!r} is defined twice")
            self._pools[spec.name] = pool

    def environment(self, spec: FunctionSpec) -> dict[str, str]:
        """The worker's environment: what Lambda sets, the function's own variables, and the local endpoint.

        ``FUNCTION_TIMEOUT_SECS`` is the function's timeout, as ``terraform/modules/lambda_function`` sets it for
        every function (Lambda itself tells a function its timeout only through each invocation's context, and
        the SDK's clients are made before one); a function's own variable of that name wins."""
        env = {name: os.environ[name] for name in _INHERITED if name in os.environ}
        env["FUNCTION_TIMEOUT_SECS"] = str(spec.timeout)
        env.update(spec.environment)
        env.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": "localcloud",
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
                "_HANDLER": spec.handler,
                "TZ": ":UTC",
                "LOCALCLOUD_ACCOUNT_ID": self.account,
                # There is no X-Ray daemon here. With AWS_LAMBDA_FUNCTION_NAME set, Powertools' Tracer believes
                # it is on Lambda and the X-Ray SDK would log "cannot find the current segment" on every
                # subsegment; SAM local sets the same switch for the same reason.
                "POWERTOOLS_TRACE_DISABLED": "true",
                "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def invoke(self, function: str, event: Any) -> InvokeResult:
        pool = self._pools.get(function)
        if pool is None:
            return InvokeResult(
                function,
                False,
                {"errorMessage": f"Function not found: {function}", "errorType": "ResourceNotFoundException"},
                0.0,
            )
        return pool.invoke(event)

    @property
    def functions(self) -> list[str]:
        return list(self._pools)

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "handler": pool.spec.handler,
                "workers": pool.warm(),
                "concurrency": pool.spec.concurrency,
                "invocations": pool.invocations,
                "errors": pool.errors,
                "timeouts": pool.timeouts,
                "cold_starts": pool.cold_starts,
                "log": str(pool.log_path),
            }
            for name, pool in self._pools.items()
        ]

    def log_path(self, function: str) -> Path:
        return self._pools[function].log_path

    def stop(self) -> None:
        for pool in list(self._pools.values()):
            pool.close()
