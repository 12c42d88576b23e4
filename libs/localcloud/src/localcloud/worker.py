"""One function's worker process: imports the handler once, then runs invocations as Lambda's runtime does.

Started by :mod:`localcloud.runtime` as ``python -m localcloud.worker REQUEST_FD RESPONSE_FD [CODE_PATH ...]``
with the function's environment (``_HANDLER`` names the handler). stdout and stderr are the function's
log file. Messages on the two pipes are JSON documents (``multiprocessing.connection`` framing):

* worker -> runtime, once: ``{"ready": true}`` after the init phase (import of the handler module);
* runtime -> worker: ``{"request_id", "deadline_ms", "event"}``;
* worker -> runtime: ``{"ok": true, "payload": ...}`` or ``{"ok": false, "payload": {"errorMessage", ...}}``.

An exception in the handler is an error result, as on Lambda; the worker lives on, warm.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any


class LambdaContext:
    """The context object Lambda's Python runtime passes to a handler."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        region = os.environ.get("AWS_REGION", "us-east-1")
        account = os.environ.get("LOCALCLOUD_ACCOUNT_ID", "123456789012")
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account}:function:{self.function_name}"
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", f"/aws/lambda/{self.function_name}")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "local")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.time() * 1000))


def _error(error: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(error),
        "errorType": error_type or type(error).__name__,
        "requestId": "",
        # The handler's frames only, as Lambda shows them (the first frame is this worker's loop).
        "stackTrace": traceback.format_list(traceback.extract_tb(error.__traceback__)[1:]),
    }


def _load_handler(handler: str) -> Any:
    module_name, _, function_name = handler.rpartition(".")
    if not module_name:
        raise ValueError(f"Bad handler '{handler}': not enough values to unpack (expected 2, got 1)")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise AttributeError(f"Handler '{function_name}' missing on module '{module_name}'") from None


def main(argv: list[str]) -> int:
    requests = Connection(int(argv[0]), writable=False)
    responses = Connection(int(argv[1]), readable=False)
    for path in reversed(argv[2:]):
        sys.path.insert(0, path)

    # Init phase: an import error is reported on every invocation, as Lambda does (Runtime.ImportModuleError).
    handler: Any = None
    init_error: dict[str, Any] | None = None
    try:
        handler = _load_handler(os.environ["_HANDLER"])
    except ImportError as error:
        init_error = _error(error, "Runtime.ImportModuleError")
        init_error["errorMessage"] = f"Unable to import module '{os.environ['_HANDLER'].rpartition('.')[0]}': {error}"
    except AttributeError as error:
        init_error = _error(error, "Runtime.HandlerNotFound")
    except Exception as error:  # the module raised while loading: Lambda reports the init error itself
        init_error = _error(error)
        traceback.print_exc()
    sys.stdout.flush()
    responses.send_bytes(json.dumps({"ready": True}).encode())

    while True:
        try:
            message = json.loads(requests.recv_bytes())
        except EOFError:
            return 0
        request_id = message["request_id"]
        print(f"START RequestId: {request_id} Version: $LATEST", flush=True)
        started = time.perf_counter()
        if init_error is not None:
            answer: dict[str, Any] = {"ok": False, "payload": init_error}
        else:
            try:
                result = handler(message["event"], LambdaContext(request_id, message["deadline_ms"]))
                try:
                    answer = {"ok": True, "payload": json.loads(json.dumps(result))}
                except (TypeError, ValueError) as error:
                    answer = {
                        "ok": False,
                        "payload": _error(error, "Runtime.MarshalError")
                        | {"errorMessage": f"Unable to marshal response: {error}"},
                    }
            except Exception as error:
                traceback.print_exc()
                answer = {"ok": False, "payload": _error(error)}
        elapsed_ms = (time.perf_counter() - started) * 1000
        sys.stdout.flush()
        sys.stderr.flush()
        print(f"END RequestId: {request_id}", flush=True)
        print(f"REPORT RequestId: {request_id}\tDuration: {elapsed_ms:.2f} ms", flush=True)
        responses.send_bytes(json.dumps(answer).encode())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
