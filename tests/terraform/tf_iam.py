"""Each function's IAM policy grants every action its code calls, and nothing that nothing calls.

What the code calls: from a function's handler, follow (by AST, without running anything) the names it uses
into the modules of its own service package and pizza_common, at the level of top-level functions and of
classes' methods (a method is reached when something reached names it: ``book.get(...)`` reaches ``get``).
In what is reachable, ``client("dynamodb")`` (``aws.client``, ``boto3.client``) names a service and
``<anything>.update_item(...)`` an operation of it; botocore's service model turns the method into its
operation and its IAM action (``dynamodb:UpdateItem``), with the exceptions IAM makes listed below.

What the wiring needs: the actions Lambda's pollers take with the function's role for its event source
mappings (``sqs:ReceiveMessage``, ``dynamodb:GetRecords``, ...) and on-failure destinations.

What the policy grants: the ``policy_json`` the service module passes to modules/lambda_function, read from
its ``aws_iam_policy_document``. Actions the runtime itself needs (logs, X-Ray, the function's DLQ) are in
modules/lambda_function's own policy, not here. iam_allowlist.yaml lists any other action a function may
hold without its code calling it, each with its reason.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import yaml
from tf_files import relative
from tf_wiring import SOURCE_ROOTS, module_file

from localcloud.parity import Ref, Scope, functions

ALLOWLIST = Path(__file__).resolve().parent / "iam_allowlist.yaml"

# IAM prefixes that differ from the service's signing name.
_PREFIX = {"monitoring": "cloudwatch", "email": "ses"}
# Operations whose IAM action is not `<prefix>:<Operation>`.
_ACTIONS: dict[str, tuple[str, ...]] = {
    "sqs:SendMessageBatch": ("sqs:SendMessage",),
    "sqs:DeleteMessageBatch": ("sqs:DeleteMessage",),
    "sqs:ChangeMessageVisibilityBatch": ("sqs:ChangeMessageVisibility",),
    "s3:ListObjectsV2": ("s3:ListBucket",),
    "s3:ListObjects": ("s3:ListBucket",),
    "s3:HeadBucket": ("s3:ListBucket",),
    "s3:HeadObject": ("s3:GetObject",),
    "s3:CopyObject": ("s3:GetObject", "s3:PutObject"),
    "s3:DeleteObjects": ("s3:DeleteObject",),
    "s3:CreateMultipartUpload": ("s3:PutObject",),
    "s3:UploadPart": ("s3:PutObject",),
    "s3:CompleteMultipartUpload": ("s3:PutObject",),
    "s3:ListObjectVersions": ("s3:ListBucketVersions",),
    "dynamodb:TransactGetItems": ("dynamodb:GetItem",),
    "lambda:Invoke": ("lambda:InvokeFunction",),
    "lambda:InvokeAsync": ("lambda:InvokeFunction",),
}
# Transactions are authorised item by item: the keys of TransactItems name the actions.
_TRANSACT_WRITE = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
# boto3's own methods (s3transfer), not in the service model.
_TRANSFER = {
    "s3": {
        "upload_file": "s3:PutObject",
        "upload_fileobj": "s3:PutObject",
        "download_file": "s3:GetObject",
        "download_fileobj": "s3:GetObject",
    }
}
# A keyword argument that changes the action: reading an object version needs s3:GetObjectVersion.
_BY_KEYWORD = {("s3:GetObject", "VersionId"): "s3:GetObjectVersion"}
# Library classes that call AWS with the function's role.
_LIBRARY_CALLS = {
    "DynamoDBPersistenceLayer": (  # Powertools idempotency
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    ),
}
# What Lambda's poller does with the function's role, per event source (required, then also allowed).
_POLLER = {
    "queue": (("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"), ("sqs:ChangeMessageVisibility",)),
    "table": (
        ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"),
        (),
    ),
    "stream": (
        ("kinesis:DescribeStream", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"),
        ("kinesis:DescribeStreamSummary", "kinesis:ListStreams", "kinesis:SubscribeToShard"),
    ),
}
_DESTINATION = {"queue": "sqs:SendMessage", "topic": "sns:Publish"}


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def _operations(service: str) -> dict[str, str]:
    """boto3 method name -> operation name, for one service (empty if botocore does not know it)."""
    from botocore import xform_name

    try:
        model = _session().get_service_model(service)
    except Exception:
        return {}
    return {xform_name(name): name for name in model.operation_names}


@cache
def _prefix(service: str) -> str:
    model = _session().get_service_model(service)
    signing = model.signing_name or model.endpoint_prefix
    return _PREFIX.get(signing, signing)


@cache
def _known_services() -> frozenset[str]:
    return frozenset(_session().get_available_services())


# --- following the code ---------------------------------------------------------------------------------


@dataclass
class Code:
    """What a handler can reach: the modules read, the AWS services it creates clients for, its calls."""

    modules: set[str] = field(default_factory=set)
    services: set[str] = field(default_factory=set)
    calls: list[tuple[str, frozenset[str]]] = field(default_factory=list)  # (method, keyword names)
    constants: set[str] = field(default_factory=set)  # string keys of dict literals
    names: set[str] = field(default_factory=set)  # every name used

    def actions(self) -> dict[str, str]:
        """Every IAM action the reachable code calls -> the call that needs it."""
        found: dict[str, str] = {}
        for method, keywords in self.calls:
            for service in sorted(self.services):
                operation = _operations(service).get(method)
                transfer = _TRANSFER.get(service, {}).get(method)
                if operation is None and transfer is None:
                    continue
                if transfer is not None:
                    found.setdefault(transfer, f"{service}.{method}")
                    continue
                action = f"{_prefix(service)}:{operation}"
                if action == "dynamodb:TransactWriteItems":
                    kinds = [_TRANSACT_WRITE[k] for k in sorted(self.constants & _TRANSACT_WRITE.keys())]
                    for kind in kinds or ["dynamodb:UpdateItem"]:
                        found.setdefault(kind, f"{service}.{method}")
                    continue
                for granted in _ACTIONS.get(action, (action,)):
                    found.setdefault(granted, f"{service}.{method}")
                    for keyword in keywords:
                        extra = _BY_KEYWORD.get((granted, keyword))
                        if extra:
                            found.setdefault(extra, f"{service}.{method}({keyword}=...)")
        for marker, actions in _LIBRARY_CALLS.items():
            if marker in self.names:
                for action in actions:
                    found.setdefault(action, marker)
        return found


def _resolve_relative(module: str, is_package: bool, level: int, name: str | None) -> str:
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, *([name] if name else [])])


class _ModuleInfo:
    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.tree = ast.parse(path.read_text(), str(path))
        self.is_package = path.name == "__init__.py"
        self.definitions: dict[str, ast.AST] = {}
        self.body: list[ast.stmt] = []
        self.registered: list[ast.AST] = []  # functions a decorator registers when the module is imported
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.definitions[node.name] = node
                if any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) for d in node.decorator_list):
                    self.registered.append(node)
            else:
                self.body.append(node)
        # local name -> (module, symbol or None for a module)
        self.imports: dict[str, tuple[str, str | None]] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.imports[alias.asname] = (alias.name, None)
                    else:
                        top = alias.name.split(".")[0]
                        self.imports[top] = (top, None)
            elif isinstance(node, ast.ImportFrom):
                source = (
                    _resolve_relative(name, self.is_package, node.level, node.module) if node.level else node.module
                )
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = (source or "", alias.name)


def analyse(handler: str, roots: Iterable[Path] = SOURCE_ROOTS, follow: tuple[str, ...] = ("pizza_common",)) -> Code:
    """Everything reachable from ``handler`` within its own top-level package and the ``follow`` packages."""
    roots = list(roots)
    module_name, _, function = handler.rpartition(".")
    packages = {module_name.split(".")[0], *follow}
    infos: dict[str, _ModuleInfo | None] = {}
    code = Code()

    def info(name: str) -> _ModuleInfo | None:
        if name not in infos:
            path = module_file(name, roots) if name.split(".")[0] in packages else None
            infos[name] = _ModuleInfo(name, path) if path else None
        return infos[name]

    pending: list[tuple[_ModuleInfo, ast.AST]] = []
    visited: set[int] = set()

    def reach_module(name: str) -> _ModuleInfo | None:
        module = info(name)
        if module is not None and name not in code.modules:
            code.modules.add(name)
            pending.extend((module, node) for node in [*module.body, *module.registered])
        return module

    def reach_symbol(module_name: str, symbol: str) -> None:
        submodule = info(f"{module_name}.{symbol}")
        if submodule is not None:
            reach_module(submodule.name)
            return
        module = reach_module(module_name)
        if module is None:
            return
        if symbol in module.definitions:
            pending.append((module, module.definitions[symbol]))
        elif symbol in module.imports:  # re-exported
            source, name = module.imports[symbol]
            if name:
                reach_symbol(source, name)
            else:
                reach_module(source)

    entry = reach_module(module_name)
    if entry is None:
        return code
    # The handler's own module belongs to this function alone: all of it is reachable.
    pending.extend((entry, node) for node in entry.definitions.values())
    if function in entry.definitions:
        pending.append((entry, entry.definitions[function]))

    # A class's methods are reached by name: a method runs only if something reached names it (`book.get`
    # reaches every reached class's `get`, never its `place`). Dunder methods run implicitly: always reached.
    methods: dict[str, list[tuple[_ModuleInfo, ast.AST]]] = {}

    def name_used(name: str) -> None:
        code.names.add(name)
        pending.extend(methods.pop(name, []))

    while pending:
        module, node = pending.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, ast.ClassDef):
            for method in _methods(node):
                # A decorated method (`@field_validator(...)`) may be called by the library it registers with.
                called_by_library = any(isinstance(d, ast.Call) for d in method.decorator_list)
                if method.name.startswith("__") or called_by_library or method.name in code.names:
                    pending.append((module, method))
                else:
                    methods.setdefault(method.name, []).append((module, method))
        # Annotations call nothing: `operation: Put | Update | Delete` must not reach Delete's actions.
        annotations = {id(part) for note in _annotations(node) for part in ast.walk(note)}
        for inner in _walk(node):
            if id(inner) in annotations:
                continue
            if isinstance(inner, ast.Name):
                name_used(inner.id)
                if inner.id in module.definitions:
                    pending.append((module, module.definitions[inner.id]))
                elif inner.id in module.imports:
                    source, symbol = module.imports[inner.id]
                    if symbol:
                        reach_symbol(source, symbol)
                    else:
                        reach_module(source)
            elif isinstance(inner, ast.Attribute):
                name_used(inner.attr)
                chain = _dotted(inner)
                if chain and chain[0] in module.imports:
                    source, symbol = module.imports[chain[0]]
                    target = f"{source}.{symbol}" if symbol else source
                    for depth in range(len(chain) - 1, 0, -1):
                        if info(".".join([target, *chain[1:depth]])) is not None:
                            reach_symbol(".".join([target, *chain[1:depth]]), chain[depth])
                            break
            elif isinstance(inner, ast.Call):
                _note_call(inner, code)
            elif isinstance(inner, ast.Dict):
                code.constants.update(
                    k.value for k in inner.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
                )
            elif isinstance(inner, ast.keyword) and inner.arg:
                code.constants.add(inner.arg)
            elif isinstance(inner, ast.Constant) and isinstance(inner.value, str) and _METHOD.fullmatch(inner.value):
                # A method named in a string (`getattr(client, "update_item")`, pizza_common.dynamodb's operations).
                code.calls.append((inner.value, frozenset()))
    return code


_METHOD = re.compile(r"[a-z]+(?:_[a-z0-9]+)+")


def _methods(node: ast.ClassDef) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [part for part in node.body if isinstance(part, ast.FunctionDef | ast.AsyncFunctionDef)]


def _walk(node: ast.AST) -> list[ast.AST]:
    """``ast.walk`` of a reached node; of a class, all but its methods' bodies (reached by name, see analyse)."""
    if not isinstance(node, ast.ClassDef):
        return list(ast.walk(node))
    method_ids = {id(method) for method in _methods(node)}
    found: list[ast.AST] = [node]
    for part in [*node.bases, *node.keywords, *node.decorator_list, *node.body]:
        if id(part) in method_ids:
            # Its decorators and defaults are evaluated when the class is made.
            assert isinstance(part, ast.FunctionDef | ast.AsyncFunctionDef)
            for outer in [*part.decorator_list, *part.args.defaults, *part.args.kw_defaults]:
                if outer is not None:
                    found.extend(ast.walk(outer))
        else:
            found.extend(ast.walk(part))
    return found


def _is_type_union(node: ast.AST) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _is_type_union(node.left) and _is_type_union(node.right)
    return isinstance(node, ast.Name | ast.Attribute | ast.Constant)


def _annotations(node: ast.AST) -> list[ast.AST]:
    """Annotations and unions of types (`Operation = Put | Update | Delete`): they name classes, call nothing."""
    found: list[ast.AST] = []
    for inner in ast.walk(node):
        if isinstance(inner, ast.BinOp) and _is_type_union(inner):
            found.append(inner)
        if isinstance(inner, ast.arg) and inner.annotation is not None:
            found.append(inner.annotation)
        elif isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef) and inner.returns is not None:
            found.append(inner.returns)
        elif isinstance(inner, ast.AnnAssign):
            found.append(inner.annotation)
    return found


def _dotted(node: ast.AST) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def _note_call(call: ast.Call, code: Code) -> None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    first = call.args[0] if call.args else None
    literal = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
    if name == "client" and literal in _known_services():
        code.services.add(literal)  # type: ignore[arg-type]
    elif name == "get_paginator" and literal is not None:
        code.calls.append((literal, frozenset()))
    elif name == "partial" and isinstance(first, ast.Attribute):
        # functools.partial(client.batch_write_item, RequestItems=...): the method is called later.
        code.calls.append((first.attr, frozenset(k.arg for k in call.keywords if k.arg)))
    elif isinstance(func, ast.Attribute):
        code.calls.append((func.attr, frozenset(k.arg for k in call.keywords if k.arg)))
    # A bound method handed on to be called later: `partial(client.batch_get_item, RequestItems=...)`.
    for argument in call.args:
        if isinstance(argument, ast.Attribute):
            code.calls.append((argument.attr, frozenset(k.arg for k in call.keywords if k.arg)))


# --- what the Terraform grants ---------------------------------------------------------------------------


def granted_actions(scope: Scope, policy: Any) -> tuple[list[str], list[str]]:
    """The actions an ``aws_iam_policy_document`` allows, and what could not be read."""
    if not (isinstance(policy, Ref) and policy.kind == "data.aws_iam_policy_document"):
        return [], [f"policy_json is {policy}, not data.aws_iam_policy_document.<name>.json"]
    body = scope.module.data.get("aws_iam_policy_document", {}).get(policy.name)
    if body is None:
        return [], [f"no data.aws_iam_policy_document.{policy.name} in {relative(scope.module.path)}"]
    actions: list[str] = []
    unreadable: list[str] = []
    for source in scope.evaluate(body.get("source_policy_documents", [])) or []:
        more, problems = granted_actions(scope, source)
        actions += more
        unreadable += problems
    if body.get("dynamic"):
        unreadable.append(f"data.aws_iam_policy_document.{policy.name} has dynamic statements")
    for statement in body.get("statement", []):
        if scope.evaluate(statement.get("effect", "Allow")) != "Allow":
            continue
        listed = scope.evaluate(statement.get("actions", []))
        if not isinstance(listed, list):
            unreadable.append(f"data.aws_iam_policy_document.{policy.name}: actions = {listed}")
            continue
        for action in listed:
            (actions if isinstance(action, str) else unreadable).append(str(action))
    return actions, unreadable


def wiring_actions(scope: Scope, function_name: Any) -> tuple[set[str], set[str]]:
    """Actions Lambda's pollers need (required) and may use (allowed) for this function's event sources."""
    required: set[str] = set()
    allowed: set[str] = set()
    for body in scope.module.resources_of("aws_lambda_event_source_mapping").values():
        target = scope.evaluate(body.get("function_name"))
        target = target.name if isinstance(target, Ref) else target
        if target != function_name:
            continue
        source = scope.evaluate(body.get("event_source_arn"))
        if isinstance(source, Ref) and source.kind in _POLLER:
            needed, optional = _POLLER[source.kind]
            required.update(needed)
            allowed.update(optional)
        for config in body.get("destination_config", []):
            for on_failure in config.get("on_failure", []):
                destination = scope.evaluate(on_failure.get("destination_arn"))
                if isinstance(destination, Ref) and destination.kind == "queue":
                    required.add(_DESTINATION["queue"])
                elif isinstance(destination, Ref) and destination.kind.startswith("aws_sns_topic"):
                    required.add(_DESTINATION["topic"])
    return required, allowed


@dataclass(frozen=True)
class Allowed:
    action: str
    reason: str
    functions: tuple[str, ...] = ("*",)


def load_allowlist(path: Path = ALLOWLIST) -> list[Allowed]:
    entries = (yaml.safe_load(path.read_text()) or {}).get("allowed") or []
    return [Allowed(e["action"], " ".join(str(e["reason"]).split()), tuple(e.get("functions", ["*"]))) for e in entries]


def _covers(pattern: str, action: str) -> bool:
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def iam_problems(
    scope: Scope, roots: Iterable[Path] = SOURCE_ROOTS, allowlist: list[Allowed] | None = None
) -> list[str]:
    roots = list(roots)
    allowlist = load_allowlist() if allowlist is None else allowlist
    problems: list[str] = []
    for function in functions(scope):
        if function.policy is None or not isinstance(function.handler, str):
            continue  # a bare aws_lambda_function (modules/lambda_function itself): its policy is its caller's
        where = f"{relative(scope.module.path)}: {function.address} ({function.name})"
        granted, unreadable = granted_actions(scope, function.policy)
        problems += [f"{where}: cannot read the policy: {u}" for u in unreadable]
        called = analyse(function.handler, roots).actions()
        required, allowed = wiring_actions(scope, function.name)
        extra = {a.action for a in allowlist if any(fnmatch.fnmatchcase(str(function.name), f) for f in a.functions)}
        for action, call in sorted(called.items()):
            if not any(_covers(g, action) for g in granted):
                problems.append(f"{where}: the code calls {call} but the policy does not grant {action}")
        for action in sorted(required):
            if not any(_covers(g, action) for g in granted):
                problems.append(f"{where}: its event source mapping needs {action}, which the policy does not grant")
        needed = set(called) | required | allowed | extra
        for pattern in granted:
            if not any(_covers(pattern, action) for action in needed):
                problems.append(
                    f"{where}: the policy grants {pattern}, which nothing calls "
                    f"(not the code, not its event sources, not {relative(ALLOWLIST)})"
                )
    return problems
