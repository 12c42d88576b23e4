"""Wiring checks no linter does: the Terraform's handlers, streams, queues, permissions and state machine files.

Each check takes a :class:`localcloud.parity.Scope` (a module with its variables) and returns one sentence
per problem. The Terraform is read with localcloud.parity's reader, the same one the parity tests use.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tf_files import ROOT, relative

from localcloud.parity import FileContent, Ref, Scope, TemplateFile, Unknown, functions, queue_resources

SOURCE_ROOTS = (*sorted(ROOT.glob("services/*/src")), *sorted(ROOT.glob("libs/*/src")))


def _first(blocks: Any) -> dict[str, Any]:
    return blocks[0] if isinstance(blocks, list) and blocks and isinstance(blocks[0], dict) else {}


def module_file(module: str, roots: Iterable[Path]) -> Path | None:
    """The source file of a dotted module name under the given source roots."""
    parts = module.split(".")
    for root in roots:
        for candidate in (root.joinpath(*parts).with_suffix(".py"), root.joinpath(*parts, "__init__.py")):
            if candidate.exists():
                return candidate
    return None


def _placeholder(value: Any) -> str:
    """A plausible value of an environment variable whose real value exists only once deployed."""
    if isinstance(value, Ref):
        if value.attribute == "url":
            return f"https://sqs.eu-west-1.amazonaws.com/123456789012/{value.name}"
        if value.attribute in ("arn", "stream_arn", "invoke_arn"):
            return f"arn:aws:{value.kind}:eu-west-1:123456789012:{value.name}"
        return value.name
    if isinstance(value, Unknown) or value is None:
        return "placeholder"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- handlers ------------------------------------------------------------------------------------------


def handler_problems(scope: Scope, roots: Iterable[Path] = SOURCE_ROOTS, import_check: bool = True) -> list[str]:
    """Every handler string names a function defined in its module, and the module imports on this Python."""
    roots = list(roots)
    problems: list[str] = []
    imports: list[tuple[str, str, str, dict[str, str]]] = []
    for function in functions(scope):
        where = f"{relative(scope.module.path)}: {function.address}"
        handler = function.handler
        if isinstance(handler, Unknown) and function.address.startswith("aws_lambda_function."):
            continue  # a function parameterised by its caller (modules/lambda_function): checked at the call
        if not isinstance(handler, str) or handler.count(".") < 1:
            problems.append(f"{where}: handler {handler} is not a literal `package.module.function`")
            continue
        module_name, _, attribute = handler.rpartition(".")
        path = module_file(module_name, roots)
        if path is None:
            problems.append(
                f"{where}: handler {handler!r}: no module {module_name!r} in {[relative(r) for r in roots]}"
            )
            continue
        tree = ast.parse(path.read_text(), str(path))
        defined = {
            target.id if isinstance(target, ast.Name) else node.name  # type: ignore[union-attr]
            for node in tree.body
            for target in (node.targets if isinstance(node, ast.Assign) else [node])
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Assign)
            and (not isinstance(node, ast.Assign) or isinstance(target, ast.Name))
        }
        if attribute not in defined:
            problems.append(f"{where}: handler {handler!r}: {relative(path)} defines no {attribute!r}")
            continue
        environment = function.environment if isinstance(function.environment, dict) else {}
        imports.append((where, module_name, attribute, {k: _placeholder(v) for k, v in environment.items()}))
    if import_check:
        problems += _import_problems(imports, roots)
    return problems


_IMPORT = """
import importlib, sys
module = importlib.import_module(sys.argv[1])
if not callable(getattr(module, sys.argv[2], None)):
    raise SystemExit(f"{sys.argv[1]}.{sys.argv[2]} is not callable")
"""


def _import_problems(imports: list[tuple[str, str, str, dict[str, str]]], roots: list[Path]) -> list[str]:
    """Import each handler in its own interpreter, with its function's environment, all at once."""
    base = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))},
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "PYTHONPATH": os.pathsep.join(str(r) for r in roots),
    }
    running = [
        (where, f"{module}.{attribute}", subprocess.Popen(
            [sys.executable, "-c", _IMPORT, module, attribute],
            env={**base, **environment}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        ))
        for where, module, attribute, environment in imports
    ]  # fmt: skip
    problems = []
    for where, handler, process in running:
        output, _ = process.communicate(timeout=120)
        if process.returncode != 0:
            last = output.strip().splitlines()[-1] if output.strip() else f"exit {process.returncode}"
            problems.append(f"{where}: handler {handler!r} does not import: {last}")
    return problems


# --- event sources, queues, permissions ----------------------------------------------------------------


def _function_name(value: Any) -> Any:
    if isinstance(value, Ref) and value.kind == "function":
        return value.name
    return value


def stream_problems(scope: Scope, roots: Iterable[Path] = SOURCE_ROOTS) -> list[str]:
    """A DynamoDB stream event source reads a table with streams on, of a view holding the images read."""
    problems = []
    tables = {
        str(scope.evaluate(body.get("name"))): body for body in scope.module.resources_of("aws_dynamodb_table").values()
    }
    handlers = {str(f.name): f.handler for f in functions(scope)}
    for address, body in scope.module.resources_of("aws_lambda_event_source_mapping").items():
        source = scope.evaluate(body.get("event_source_arn"))
        where = f"{relative(scope.module.path)}: aws_lambda_event_source_mapping.{address}"
        if not (isinstance(source, Ref) and source.kind == "table"):
            continue
        table = tables.get(source.name)
        if table is None:
            continue
        if scope.evaluate(table.get("stream_enabled", False)) is not True:
            problems.append(f"{where}: reads the stream of {source.name}, whose stream_enabled is not true")
            continue
        view = scope.evaluate(table.get("stream_view_type"))
        handler = handlers.get(str(_function_name(scope.evaluate(body.get("function_name")))))
        if not isinstance(handler, str):
            continue
        text = _reachable_text(handler, list(roots))
        reads_old = re.search(r"OldImage|old_image", text) is not None
        reads_new = re.search(r"NewImage|new_image", text) is not None
        if reads_old and view not in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
            problems.append(f"{where}: {handler} reads old images, but the stream of {source.name} is {view}")
        if reads_new and view not in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
            problems.append(f"{where}: {handler} reads new images, but the stream of {source.name} is {view}")
    return problems


def _reachable_text(handler: str, roots: list[Path]) -> str:
    """The source of a handler's module and of the modules of its own package it imports (transitively)."""
    module_name = handler.rpartition(".")[0]
    package = module_name.split(".")[0]
    seen: set[str] = set()
    texts: list[str] = []
    pending = [module_name]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        path = module_file(name, roots)
        if path is None:
            continue
        source = path.read_text()
        texts.append(source)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                pending.append(node.module)
                pending.extend(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level:
                base = name.split(".")[: -node.level] if path.name != "__init__.py" else name.split(".")
                base = base[: len(base) - node.level + 1] if path.name == "__init__.py" else base
                prefix = ".".join([*base, *([node.module] if node.module else [])])
                pending.append(prefix)
                pending.extend(f"{prefix}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                pending.extend(alias.name for alias in node.names)
    return "\n".join(texts) if package else ""


def _dead_letter_queues(scope: Scope) -> set[str]:
    """Queues that receive what others failed: redrive targets, on-failure destinations, Lambda DLQs."""
    names: set[str] = set()
    for queue_scope, _, body in queue_resources(scope):
        redrive = queue_scope.evaluate(body.get("redrive_policy"))
        match = re.search(r"\$\{queue\.(.+?)\.arn\}", str(redrive))
        if match:
            names.add(match.group(1))
    for body in scope.module.resources_of("aws_lambda_event_source_mapping").values():
        on_failure = _first(_first(body.get("destination_config")).get("on_failure"))
        target = scope.evaluate(on_failure.get("destination_arn")) if on_failure else None
        if isinstance(target, Ref) and target.kind == "queue":
            names.add(target.name)
    for call in scope.module.module_calls.values():
        target = scope.evaluate(call.get("dead_letter_target_arn"))
        if isinstance(target, Ref) and target.kind == "queue":
            names.add(target.name)
    return names


def queue_problems(scope: Scope) -> list[str]:
    """FIFO queues are named .fifo (and only they); every queue has a redrive policy, a DLQ itself excepted;
    a queue feeding a function stays invisible at least as long as the function may run."""
    problems = []
    dead_letter = _dead_letter_queues(scope)
    timeouts = {str(f.name): f.timeout for f in functions(scope)}
    queues: dict[str, dict[str, Any]] = {}
    for queue_scope, address, body in queue_resources(scope):
        where = f"{relative(scope.module.path)}: {address}"
        name = str(queue_scope.evaluate(body.get("name")))
        queues[name] = (queue_scope, body)
        fifo = queue_scope.evaluate(body.get("fifo_queue", False)) is True
        if fifo != name.endswith(".fifo"):
            problems.append(f"{where}: {name!r}: a FIFO queue's name ends in .fifo, and only a FIFO queue's does")
        is_dead_letter = name in dead_letter or re.search(r"-dlq(\.fifo)?$", name) is not None
        if queue_scope.evaluate(body.get("redrive_policy")) is None and not is_dead_letter:
            problems.append(f"{where}: {name!r} has no redrive_policy: every queue has a DLQ")
    for address, body in scope.module.resources_of("aws_lambda_event_source_mapping").items():
        where = f"{relative(scope.module.path)}: aws_lambda_event_source_mapping.{address}"
        source = scope.evaluate(body.get("event_source_arn"))
        starting = body.get("starting_position")
        if isinstance(source, Ref) and source.kind == "queue":
            if starting is not None:
                problems.append(f"{where}: starting_position is for stream sources, not queues")
            queue = queues.get(source.name)
            timeout = timeouts.get(str(_function_name(scope.evaluate(body.get("function_name")))))
            visibility = queue[0].evaluate(queue[1].get("visibility_timeout_seconds", 30)) if queue else None
            if isinstance(timeout, int | float) and isinstance(visibility, int | float) and visibility < timeout:
                problems.append(
                    f"{where}: queue {source.name!r} visibility timeout {visibility}s is shorter than its "
                    f"function's timeout {timeout}s (Lambda refuses the mapping)"
                )
        elif isinstance(source, Ref) and source.kind in ("table", "stream") and starting is None:
            problems.append(f"{where}: a stream source needs starting_position")
    return problems


# Who invokes a function for each kind of wiring, and the permission that lets them.
_INVOKERS = {"s3": "s3.amazonaws.com", "events": "events.amazonaws.com"}


def permission_problems(scope: Scope) -> list[str]:
    """A function that S3 or EventBridge invokes has an aws_lambda_permission for that principal;
    an S3 notification waits for its permission (depends_on), as S3 checks it when the notification is set."""
    permissions: dict[tuple[str, str], str] = {}
    for address, body in scope.module.resources_of("aws_lambda_permission").items():
        function = _function_name(scope.evaluate(body.get("function_name")))
        principal = str(scope.evaluate(body.get("principal")))
        permissions[(str(function), principal)] = address
    problems = []
    base = relative(scope.module.path)
    for address, body in scope.module.resources_of("aws_s3_bucket_notification").items():
        depends = " ".join(str(d) for d in body.get("depends_on", []))
        for note in body.get("lambda_function", []):
            function = str(_function_name(scope.evaluate(note.get("lambda_function_arn"))))
            permission = permissions.get((function, _INVOKERS["s3"]))
            if permission is None:
                problems.append(
                    f"{base}: aws_s3_bucket_notification.{address}: no aws_lambda_permission lets "
                    f"s3.amazonaws.com invoke {function}"
                )
            elif f"aws_lambda_permission.{permission}" not in depends:
                problems.append(
                    f"{base}: aws_s3_bucket_notification.{address}: add depends_on = "
                    f"[aws_lambda_permission.{permission}] (S3 refuses a notification it may not deliver)"
                )
    for address, body in scope.module.resources_of("aws_cloudwatch_event_target").items():
        target = scope.evaluate(body.get("arn"))
        if (
            isinstance(target, Ref)
            and target.kind == "function"
            and (target.name, _INVOKERS["events"]) not in permissions
        ):
            problems.append(
                f"{base}: aws_cloudwatch_event_target.{address}: no aws_lambda_permission lets "
                f"events.amazonaws.com invoke {target.name}"
            )
    return problems


def function_url_problems(scope: Scope) -> list[str]:
    """Every function URL is IAM-authorised (docs/decisions.md: no public URL; callers sign for lambda)."""
    problems = []
    base = relative(scope.module.path)
    for address, body in scope.module.resources_of("aws_lambda_function_url").items():
        authorization = scope.evaluate(body.get("authorization_type"))
        if authorization != "AWS_IAM":
            problems.append(
                f"{base}: aws_lambda_function_url.{address}: authorization_type is {authorization!r}; "
                "every API here is AWS_IAM (a NONE URL is public to the internet)"
            )
    return problems


# --- state machines ------------------------------------------------------------------------------------

_INTERPOLATION = re.compile(r"(?<!\$)\$\{\s*([^}]*?)\s*\}")


def state_machine_problems(scope: Scope) -> list[str]:
    """Each definition file uses exactly the variables templatefile() passes, and renders to valid JSON."""
    problems = []
    for address, body in scope.module.resources_of("aws_sfn_state_machine").items():
        where = f"{relative(scope.module.path)}: aws_sfn_state_machine.{address}"
        definition = scope.evaluate(body.get("definition"))
        if isinstance(definition, FileContent):
            definition = TemplateFile(definition.path, {})
        if not isinstance(definition, TemplateFile):
            continue  # an inline jsonencode({...}) is checked by Terraform itself
        if not definition.path.exists():
            problems.append(f"{where}: definition file {relative(definition.path)} does not exist")
            continue
        variables = definition.variables if isinstance(definition.variables, dict) else {}
        text = definition.path.read_text()
        used = {match.group(1) for match in _INTERPOLATION.finditer(text)}
        for name in sorted(used - set(variables)):
            problems.append(
                f"{where}: {relative(definition.path)} uses ${{{name}}}, which templatefile() does not pass"
            )
        for name in sorted(set(variables) - used):
            problems.append(f"{where}: templatefile() passes {name!r}, which {relative(definition.path)} never uses")

        def render(match: re.Match[str], variables: dict[str, Any] = variables) -> str:
            value = variables.get(match.group(1))
            return json.dumps(value) if isinstance(value, int | float | bool) else _placeholder(value)

        rendered = _INTERPOLATION.sub(render, text).replace("$${", "${")
        try:
            json.loads(rendered)
        except json.JSONDecodeError as error:
            problems.append(f"{where}: {relative(definition.path)} does not render to valid JSON: {error}")
    # A module takes its definition file as a variable: the deployment that passes it is where it is known.
    for call in scope.module.module_calls:
        child = scope.child(call)
        if child is not None:
            problems.extend(state_machine_problems(child))
    return problems


def all_problems(scope: Scope, roots: Iterable[Path] = SOURCE_ROOTS, import_check: bool = True) -> list[str]:
    roots = list(roots)
    return [
        *handler_problems(scope, roots, import_check),
        *stream_problems(scope, roots),
        *queue_problems(scope),
        *permission_problems(scope),
        *function_url_problems(scope),
        *state_machine_problems(scope),
    ]
