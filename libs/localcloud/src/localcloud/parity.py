"""Hold a service's local stack against its Terraform module, so the two cannot drift.

    from localcloud.parity import compare
    assert compare(stack("pizza"), ROOT / "terraform/modules/stock") == []

:func:`compare` reads the module with python-hcl2 (no Terraform needed), evaluates the simple expressions a
readable module is written with (``"${var.name_prefix}-stock-batches"``, ``aws_sqs_queue.x.arn``,
``module.ingest.function_arn``, ``jsonencode({...})``, ``templatefile(...)``), follows calls to other
local modules (``modules/lambda_function``) and returns one sentence per difference: names of buckets,
tables, streams, queues, buses, rules, functions, state machines and function URLs; table keys, indexes,
stream view and TTL; FIFO, deduplication, visibility and DLQ settings; event source mappings, S3
notifications, rule targets and function URL authorisation; handler strings, timeouts, environment variable names and
state machine definition files; and the outputs stack.py declares. An expression it cannot evaluate is
reported as a difference too: write that part of the module literally.

The reader (:func:`load_module`, :class:`Scope`) is also what tests/terraform's wiring and IAM checks use.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from localcloud.stack import Stack, StreamSource

__all__ = ["FileContent", "Module", "Ref", "Scope", "TemplateFile", "Unknown", "compare", "load_module", "scope"]

_OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)

# --- values --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unknown:
    """An expression this reader does not evaluate (a conditional, a for expression, an unset variable)."""

    text: str

    def __str__(self) -> str:
        return "${" + self.text + "}"


@dataclass(frozen=True)
class Ref:
    """An attribute known only once a resource exists: ``${queue.pizza-oven-new-items.arn}``.

    ``kind`` is the stack's kind (bucket, table, stream, queue, bus, function, state_machine) when the
    resource is one of those, else the Terraform type (``aws_iam_role``, ``data.aws_...``). A function URL's
    ``function_url`` is ``${function.<name>.url}``, as stack.py writes it.
    """

    kind: str
    name: str
    attribute: str

    def __str__(self) -> str:
        return "${" + f"{self.kind}.{self.name}.{self.attribute}" + "}"


@dataclass(frozen=True)
class TemplateFile:
    path: Path
    variables: Mapping[str, Any]


@dataclass(frozen=True)
class FileContent:
    path: Path


# --- reading a module ----------------------------------------------------------------------------------


@dataclass
class Module:
    path: Path
    resources: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # type -> name -> body
    data: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    module_calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def resources_of(self, type_name: str) -> dict[str, dict[str, Any]]:
        return self.resources.get(type_name, {})


def load_module(path: Path) -> Module:
    """Every .tf file of one folder, merged as Terraform merges them (read again when a file changes)."""
    path = Path(path).resolve()
    stamp = tuple((tf.name, tf.stat().st_mtime_ns, tf.stat().st_size) for tf in sorted(path.glob("*.tf")))
    return _load_module(path, stamp)


@cache
def _load_module(path: Path, stamp: tuple[tuple[str, int, int], ...]) -> Module:
    module = Module(path)
    files = sorted(path.glob("*.tf"))
    if not files:
        raise FileNotFoundError(f"{path}: no .tf files")
    for tf in files:
        with tf.open(encoding="utf-8") as handle:
            parsed = hcl2.load(handle, serialization_options=_OPTIONS)
        for section, target in (("resource", module.resources), ("data", module.data)):
            for entry in parsed.get(section, []):
                for type_name, named in entry.items():
                    target.setdefault(type_name, {}).update(named)
        for entry in parsed.get("module", []):
            module.module_calls.update(entry)
        for entry in parsed.get("variable", []):
            module.variables.update(entry)
        for entry in parsed.get("locals", []):
            module.locals.update(entry)
        for entry in parsed.get("output", []):
            module.outputs.update(entry)
    return module


# --- evaluating expressions ----------------------------------------------------------------------------

# Resource types whose physical name the stack also declares: type -> (stack kind, name argument).
NAMED = {
    "aws_s3_bucket": ("bucket", "bucket"),
    "aws_dynamodb_table": ("table", "name"),
    "aws_kinesis_stream": ("stream", "name"),
    "aws_sqs_queue": ("queue", "name"),
    "aws_cloudwatch_event_bus": ("bus", "name"),
    "aws_cloudwatch_event_rule": ("rule", "name"),
    "aws_lambda_function": ("function", "function_name"),
    "aws_sfn_state_machine": ("state_machine", "name"),
}
# Whose `id` is its name (an SQS queue's id is its URL; an API's id is generated).
_ID_IS_NAME = {"aws_s3_bucket", "aws_dynamodb_table", "aws_cloudwatch_event_bus", "aws_lambda_function"}
_META = {"source", "version", "count", "for_each", "depends_on", "providers"}

_TOKEN = re.compile(
    r"""(?P<space>\s+|\#[^\n]*|//[^\n]*)
      | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<string>")
      | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
      | (?P<op>\.\.\.|==|!=|<=|>=|&&|\|\||=>|[{}\[\]().,=:?!<>+\-*/%])""",
    re.VERBOSE,
)


def _string_end(text: str, start: int) -> int:
    """Index just past the closing quote of the string whose opening quote is at ``start``."""
    i, depth = start + 1, 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
        elif text.startswith(("$${", "%%{"), i):
            i += 3
        elif text.startswith(("${", "%{"), i):
            depth, i = depth + 1, i + 2
        elif depth and char == '"':
            i = _string_end(text, i)
        elif depth:
            depth += {"{": 1, "}": -1}.get(char, 0)
            i += 1
        elif char == '"':
            return i + 1
        else:
            i += 1
    raise ValueError(f"unterminated string in {text!r}")


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        match = _TOKEN.match(text, i)
        if match is None:
            raise ValueError(f"cannot read {text[i:]!r}")
        kind = match.lastgroup or ""
        if kind == "string":
            end = _string_end(text, i)
            out.append(("string", text[i + 1 : end - 1]))
            i = end
            continue
        if kind != "space":
            out.append((kind, match.group()))
        i = match.end()
    return out


def _split_template(text: str) -> list[tuple[bool, str]]:
    """A template's parts: (False, literal text) and (True, the expression inside ``${...}``)."""
    parts: list[tuple[bool, str]] = []
    i, literal = 0, []
    while i < len(text):
        if text.startswith("$${", i) or text.startswith("%%{", i):
            literal.append(text[i + 1 : i + 3])
            i += 3
        elif text.startswith("${", i) or text.startswith("%{", i):
            depth, j = 1, i + 2
            while j < len(text) and depth:
                if text[j] == '"':
                    j = _string_end(text, j)
                    continue
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            if literal:
                parts.append((False, "".join(literal)))
                literal = []
            body = text[i + 2 : j - 1]
            parts.append((True, body) if text[i] == "$" else (True, "%{" + body + "}"))
            i = j
        else:
            literal.append(text[i])
            i += 1
    if literal:
        parts.append((False, "".join(literal)))
    return parts


_HEREDOC = re.compile(r"^<<(-?)([A-Za-z_]+)\n(.*?)\n?[ \t]*\2$", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


class Scope:
    """The values of one module instance: its variables, and how to evaluate any expression inside it."""

    def __init__(self, module: Module, variables: Mapping[str, Any]) -> None:
        self.module = module
        self.given = dict(variables)

    # Variables, locals, resources, modules --------------------------------------------------------------

    def var(self, name: str) -> Any:
        if name in self.given:
            return self.given[name]
        declared = self.module.variables.get(name)
        if declared is not None and "default" in declared:
            return self.evaluate(declared["default"])
        return Unknown(f"var.{name}")

    def local(self, name: str) -> Any:
        if name not in self.module.locals:
            return Unknown(f"local.{name}")
        return self.evaluate(self.module.locals[name])

    def instances(self, type_name: str, name: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """``(body, bindings)`` of each instance of a resource; for_each over a known map or list expands."""
        body = self.module.resources_of(type_name).get(name)
        if body is None or not self.present(body):
            return []
        if "for_each" not in body:
            return [(body, {})]
        each = self.evaluate(body["for_each"])
        if isinstance(each, dict):
            return [(body, {"each": {"key": key, "value": value}}) for key, value in each.items()]
        if isinstance(each, list):
            return [(body, {"each": {"key": item, "value": item}}) for item in each]
        return [(body, {"each": {"key": Unknown("each.key"), "value": Unknown("each.value")}})]

    def present(self, body: dict[str, Any]) -> bool:
        """False for a resource whose ``count`` evaluates to 0 (``count = var.x ? 1 : 0`` with x false)."""
        return "count" not in body or self.evaluate(body["count"]) != 0

    def physical_name(self, type_name: str, body: dict[str, Any], bindings: Mapping[str, Any] | None = None) -> Any:
        argument = NAMED[type_name][1]
        if argument not in body:
            return Unknown(f"{type_name} without {argument}")
        return self.evaluate(body[argument], bindings)

    def resource_attribute(self, type_name: str, name: str, attribute: str, key: Any = None) -> Any:
        found = self.instances(type_name, name)
        if not found:
            return Unknown(f"{type_name}.{name} (not in {self.module.path.name})")
        body, bindings = found[0]
        if key is not None:
            body, bindings = next(((b, e) for b, e in found if e.get("each", {}).get("key") == key), found[0])
        if type_name == "aws_lambda_function_url" and attribute in ("function_url", "url"):
            function = self.evaluate(body.get("function_name"), bindings)
            if isinstance(function, str) and not function.startswith("arn:"):
                return Ref("function", function, "url")
        if type_name not in NAMED:
            label = name if key is None else f"{name}[{key}]"
            return Ref(type_name, label, attribute)
        kind, argument = NAMED[type_name]
        physical = self.physical_name(type_name, body, bindings)
        if attribute in (argument, "name") or (attribute == "id" and type_name in _ID_IS_NAME):
            return physical
        if attribute == "id" and type_name == "aws_sqs_queue":
            attribute = "url"
        return Ref(kind, str(physical), attribute)

    def child(self, call: str) -> Scope | None:
        """The scope of a local module call, its arguments evaluated here."""
        body = self.module.module_calls.get(call)
        if body is None or not str(body.get("source", "")).startswith("."):
            return None
        child = load_module(self.module.path / str(body["source"]))
        return Scope(child, {k: self.evaluate(v) for k, v in body.items() if k not in _META})

    def module_output(self, call: str, output: str) -> Any:
        child = self.child(call)
        if child is None or output not in child.module.outputs:
            return Unknown(f"module.{call}.{output}")
        return child.evaluate(child.module.outputs[output].get("value"))

    # Expressions ----------------------------------------------------------------------------------------

    def evaluate(self, value: Any, bindings: Mapping[str, Any] | None = None) -> Any:
        """A value as hcl2 gives it (strings hold templates and ``${expressions}``), evaluated."""
        if isinstance(value, str):
            return self.template(value, bindings or {})
        if isinstance(value, list):
            return [self.evaluate(item, bindings) for item in value]
        if isinstance(value, dict):
            return {key: self.evaluate(item, bindings) for key, item in value.items()}
        return value

    def template(self, text: str, bindings: Mapping[str, Any]) -> Any:
        heredoc = _HEREDOC.match(text)
        if heredoc:
            body = heredoc.group(3)
            text = textwrap.dedent(body) if heredoc.group(1) else body
            text += "\n"
        parts = _split_template(text)
        if len(parts) == 1 and parts[0][0]:
            return self.expression(parts[0][1], bindings)
        pieces = []
        for is_expression, part in parts:
            if not is_expression:
                pieces.append(part)
                continue
            if part.startswith("%{"):
                return Unknown(text)
            value = self.expression(part, bindings)
            pieces.append(_render(value))
        return "".join(pieces)

    def expression(self, text: str, bindings: Mapping[str, Any]) -> Any:
        try:
            parser = _Parser(_tokens(text), self, bindings, text)
            value = parser.expression()
            if parser.position != len(parser.tokens) or isinstance(value, Unknown):
                return Unknown(" ".join(text.split()))  # as written, not as tokenised
            return value
        except (ValueError, IndexError, KeyError, TypeError):
            return Unknown(text)


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _json_default(value: Any) -> str:
    return str(value)


class _Parser:
    """A small recursive-descent reader of the HCL expressions readable modules use."""

    _STOP = {",", ")", "]", "}", "=", ":"}

    def __init__(self, tokens: list[tuple[str, str]], scope: Scope, bindings: Mapping[str, Any], text: str):
        self.tokens, self.scope, self.bindings, self.text = tokens, scope, bindings, text
        self.position = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("end", "")

    def take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if expected is not None and token[1] != expected:
            raise ValueError(f"expected {expected!r}, found {token[1]!r}")
        self.position += 1
        return token

    def expression(self) -> Any:
        start = self.position
        value = self.primary()
        if self.peek() in (("op", "=="), ("op", "!=")):
            equal = self.take()[1] == "=="
            other = self.primary()
            known = not any(isinstance(v, Unknown | Ref) for v in (value, other))
            value = ((value == other) == equal) if known else Unknown(f"{value} == {other}")
        if self.peek() == ("op", "?"):
            # A conditional: the branch its (known) condition selects, as Terraform evaluates it.
            self.take()
            chosen = self.expression()
            self.take(":")
            otherwise = self.expression()
            if value is True or value is False:
                return chosen if value else otherwise
            return Unknown(" ".join(t for _, t in self.tokens[start : self.position]))
        if self.peek()[0] == "op" and self.peek()[1] not in self._STOP:
            # An operator or a conditional: skip to the end of this expression and call it unknown.
            depth = 0
            while self.peek()[0] != "end":
                kind, text = self.peek()
                if kind == "op" and text in "([{":
                    depth += 1
                elif kind == "op" and text in ")]}":
                    if depth == 0:
                        break
                    depth -= 1
                elif depth == 0 and kind == "op" and text in (",", "=", ":"):
                    break
                self.take()
            return Unknown(" ".join(t for _, t in self.tokens[start : self.position]))
        return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "string":
            return self.scope.template(_unescape(text), self.bindings)
        if kind == "op" and text == "(":
            value = self.expression()
            self.take(")")
            return value
        if kind == "op" and text == "[":
            return self.sequence()
        if kind == "op" and text == "{":
            return self.mapping()
        if kind == "op" and text in ("!", "-"):
            return Unknown(text + str(self.primary()))
        if kind == "name":
            if text in ("true", "false"):
                return text == "true"
            if text == "null":
                return None
            if self.peek()[1] == "(":
                return self.call(text)
            return self.traversal(text)
        raise ValueError(f"unexpected {text!r}")

    def sequence(self) -> Any:
        if self.peek()[1] == "for":
            return self.skip_to("]")
        items = []
        while self.peek()[1] != "]":
            items.append(self.expression())
            if self.peek()[1] == ",":
                self.take()
        self.take("]")
        return items

    def mapping(self) -> Any:
        if self.peek()[1] == "for":
            return self.skip_to("}")
        items: dict[str, Any] = {}
        while self.peek()[1] != "}":
            kind, text = self.peek()
            if kind in ("name", "string") and self.tokens[self.position + 1][1] in ("=", ":"):
                self.take()
                key = text if kind == "name" else _render(self.scope.template(_unescape(text), self.bindings))
            else:
                key = _render(self.expression())
            self.take()  # "=" or ":"
            items[key] = self.expression()
            if self.peek()[1] == ",":
                self.take()
        self.take("}")
        return items

    def skip_to(self, closing: str) -> Unknown:
        depth, start = 1, self.position
        while depth:
            _, text = self.take()
            depth += {"[": 1, "{": 1, "(": 1, "]": -1, "}": -1, ")": -1}.get(text, 0)
        return Unknown(" ".join(t for _, t in self.tokens[start - 1 : self.position]))

    def call(self, function: str) -> Any:
        self.take("(")
        arguments = []
        while self.peek()[1] != ")":
            arguments.append(self.expression())
            if self.peek()[1] in (",", "..."):
                self.take()
        self.take(")")
        return _FUNCTIONS.get(function, lambda scope, *a: Unknown(f"{function}(...)"))(self.scope, *arguments)

    def traversal(self, root: str) -> Any:
        steps: list[Any] = []
        while True:
            _, text = self.peek()
            if text == "." and self.position + 1 < len(self.tokens):
                self.take()
                steps.append(self.take()[1])
            elif text == "[":
                self.take()
                if self.peek()[1] == "*":
                    self.take()
                    steps.append("*")
                else:
                    steps.append(("index", self.expression()))
                self.take("]")
            else:
                break
        return self.resolve(root, steps)

    def resolve(self, root: str, steps: list[Any]) -> Any:
        scope = self.scope
        names = [step for step in steps if isinstance(step, str)]
        if root in self.bindings:
            return _walk(self.bindings[root], steps)
        if root == "var":
            return _walk(scope.var(steps[0]), steps[1:])
        if root == "local":
            return _walk(scope.local(steps[0]), steps[1:])
        if root == "path" and steps and steps[0] in ("module", "root", "cwd"):
            return str(scope.module.path)
        if root == "module" and len(names) >= 2:
            rest = [s for s in steps[1:] if s != "*" and not isinstance(s, tuple)]
            return _walk(scope.module_output(steps[0], rest[0]), rest[1:])
        if root == "data" and len(names) >= 3:
            return Ref(f"data.{names[0]}", names[1], names[2])
        if root in scope.module.resources and steps:
            name = steps[0]
            rest = steps[1:]
            key = None
            if rest and isinstance(rest[0], tuple):
                key = rest[0][1]
                rest = rest[1:]
                if isinstance(key, int):
                    key = None  # count index: every instance shares the name arguments
            if rest and isinstance(rest[0], str):
                return _walk(scope.resource_attribute(root, name, rest[0], key), rest[1:])
            return Unknown(f"{root}.{name}")
        return Unknown(".".join([root, *(s if isinstance(s, str) else "[...]" for s in steps)]))


def _walk(value: Any, steps: list[Any]) -> Any:
    for step in steps:
        if isinstance(value, Unknown):
            return value
        if isinstance(step, tuple):
            step = step[1]
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return Unknown(f"{value}.{step}")
    return value


def _merge(_scope: Scope, *maps: Any) -> Any:
    if all(isinstance(m, dict) for m in maps):
        merged: dict[str, Any] = {}
        for m in maps:
            merged.update(m)
        return merged
    return Unknown("merge(...)")


def _path_argument(scope: Scope, value: Any) -> Path:
    if not isinstance(value, str):
        raise TypeError("path not known")
    return (scope.module.path / value).resolve()


_FUNCTIONS: dict[str, Any] = {
    "jsonencode": lambda scope, value: json.dumps(value, default=_json_default, separators=(",", ":")),
    "jsondecode": lambda scope, value: json.loads(value) if isinstance(value, str) else Unknown("jsondecode"),
    "templatefile": lambda scope, path, variables: TemplateFile(_path_argument(scope, path), variables),
    "file": lambda scope, path: FileContent(_path_argument(scope, path)),
    "merge": _merge,
    "tostring": lambda scope, value: value,
    # try(): the first argument this reader can evaluate (Terraform: the first that does not error).
    "try": lambda scope, *values: next((v for v in values if not isinstance(v, Unknown)), Unknown("try(...)")),
    "tonumber": lambda scope, value: value,
    "tolist": lambda scope, value: value,
    "toset": lambda scope, value: value,
    "concat": lambda scope, *lists: (
        [i for lst in lists for i in lst] if all(isinstance(lst, list) for lst in lists) else Unknown("concat(...)")
    ),
}


def scope(module_dir: Path, variables: Mapping[str, Any] | None = None) -> Scope:
    """The module at ``module_dir`` with ``variables`` given (``name_prefix`` = "pizza" by default)."""
    return Scope(load_module(Path(module_dir)), {"name_prefix": "pizza"} if variables is None else variables)


# --- the functions of a module, wherever they are declared ---------------------------------------------


@dataclass(frozen=True)
class TerraformFunction:
    """A Lambda function as the module declares it: through modules/lambda_function or directly."""

    address: str  # module.ingest or aws_lambda_function.ingest
    name: Any
    handler: Any
    timeout: Any
    environment: Any  # dict of name -> value, or Unknown
    policy: Any  # module calls: the policy_json value (a Ref to data.aws_iam_policy_document); else None


def functions(scope_: Scope) -> list[TerraformFunction]:
    found = []
    for call in scope_.module.module_calls:
        child = scope_.child(call)
        if child is None:
            continue
        for body in child.module.resources_of("aws_lambda_function").values():
            if "environment_variables" in child.module.variables:
                # modules/lambda_function: the environment is the caller's map, passed through.
                environment = child.var("environment_variables")
            else:
                environment = {}
                for block in body.get("environment", []):
                    environment = child.evaluate(block.get("variables", {}))
            found.append(
                TerraformFunction(
                    address=f"module.{call}",
                    name=child.evaluate(body.get("function_name")),
                    handler=child.evaluate(body.get("handler")),
                    timeout=child.evaluate(body.get("timeout", 3)),
                    environment=environment,
                    policy=scope_.evaluate(scope_.module.module_calls[call].get("policy_json")),
                )
            )
    for name, body in scope_.module.resources_of("aws_lambda_function").items():
        environment = {}
        for block in body.get("environment", []):
            environment = scope_.evaluate(block.get("variables", {}))
        found.append(
            TerraformFunction(
                address=f"aws_lambda_function.{name}",
                name=scope_.evaluate(body.get("function_name")),
                handler=scope_.evaluate(body.get("handler")),
                timeout=scope_.evaluate(body.get("timeout", 3)),
                environment=environment,
                policy=None,
            )
        )
    return found


def queue_resources(scope_: Scope) -> Iterator[tuple[Scope, str, dict[str, Any]]]:
    """Every SQS queue a module makes, with the scope to evaluate it in: its own ``aws_sqs_queue`` resources
    (those with ``count`` 0 left out) and, followed, those of its calls to ``modules/queue``."""
    for address, body in scope_.module.resources_of("aws_sqs_queue").items():
        if scope_.present(body):
            yield scope_, f"aws_sqs_queue.{address}", body
    for call, body in scope_.module.module_calls.items():
        if not str(body.get("source", "")).rstrip("/").endswith("/queue") or not scope_.present(body):
            continue
        child = scope_.child(call)
        if child is not None:
            for inner, address, queue in queue_resources(child):
                yield inner, f"module.{call}.{address}", queue


# --- the facts both sides are reduced to ---------------------------------------------------------------

Facts = dict[str, dict[str, Any]]


def _notification(bucket: Any, function: Any, prefix: Any, suffix: Any) -> str:
    return f"s3 notification {bucket} -> function {function} (prefix {prefix!r}, suffix {suffix!r})"


def _attribute(name: str, type_: str) -> str:
    return f"{name} {type_}"


def _pattern(value: Any) -> Any:
    """An event pattern or filter as a canonical JSON string, whichever way it was written."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return value
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def stack_facts(stack: Stack) -> Facts:
    facts: Facts = {}
    for bucket in stack.buckets:
        facts[f"bucket {bucket.name}"] = {}
        for note in bucket.notifications:
            key = _notification(bucket.name, note.function, note.prefix, note.suffix)
            facts[key] = {"events": sorted(note.events)}
    for table in stack.tables:
        facts[f"table {table.name}"] = {
            "hash_key": _attribute(table.hash_key.name, table.hash_key.type),
            "range_key": _attribute(table.range_key.name, table.range_key.type) if table.range_key else None,
            "stream_view": table.stream_view,
            "ttl_attribute": table.ttl_attribute,
            "global_secondary_indexes": {
                index.name: {
                    "hash_key": _attribute(index.hash_key.name, index.hash_key.type),
                    "range_key": _attribute(index.range_key.name, index.range_key.type) if index.range_key else None,
                    "projection": index.projection,
                }
                for index in table.global_secondary_indexes
            },
        }
    for stream in stack.streams:
        facts[f"kinesis stream {stream.name}"] = {}
    for queue in stack.queues:
        facts[f"queue {queue.name}"] = {
            "fifo": queue.fifo,
            "content_based_deduplication": queue.content_based_deduplication,
            "visibility_timeout": queue.visibility_timeout,
            "dead_letter_queue": queue.dead_letter_queue,
            "max_receive_count": queue.max_receive_count if queue.dead_letter_queue else None,
        }
    for bus in stack.event_buses:
        facts[f"event bus {bus.name}"] = {}
    for rule in stack.rules:
        facts[f"rule {rule.name}"] = {
            "event_bus": rule.event_bus,
            "event_pattern": _pattern(rule.event_pattern) if rule.event_pattern is not None else None,
            "schedule_expression": rule.schedule_expression,
        }
        for target in rule.targets:
            transformer = target.input_transformer
            facts[f"rule {rule.name} target {target.kind} {target.name}"] = {
                "input_paths": dict(transformer.input_paths) if transformer else None,
                "input_template": transformer.input_template if transformer else None,
                "message_group_id": target.message_group_id,
            }
    for function in stack.functions:
        facts[f"function {function.name}"] = {
            "handler": function.handler,
            "timeout": function.timeout,
            "environment variable names": sorted(function.environment),
        }
        for source in function.event_sources:
            if isinstance(source, StreamSource):
                origin = (
                    f"dynamodb stream of table {source.table}"
                    if source.kind == "dynamodb"
                    else f"kinesis stream {source.stream}"
                )
                facts[f"event source {origin} -> function {function.name}"] = {
                    "batch_size": source.batch_size,
                    "maximum_batching_window_seconds": source.maximum_batching_window_seconds,
                    "starting_position": source.starting_position,
                    "report_batch_item_failures": source.report_batch_item_failures,
                    "filter_patterns": sorted(_pattern(p) for p in source.filter_patterns),
                    "maximum_retry_attempts": source.maximum_retry_attempts,
                    "bisect_batch_on_function_error": source.bisect_batch_on_function_error,
                    "on_failure_queue": source.destination.on_failure_queue,
                }
            else:
                facts[f"event source queue {source.queue} -> function {function.name}"] = {
                    "batch_size": source.batch_size,
                    "maximum_batching_window_seconds": source.maximum_batching_window_seconds,
                    "report_batch_item_failures": source.report_batch_item_failures,
                    "maximum_concurrency": source.maximum_concurrency,
                }
    for machine in stack.state_machines:
        facts[f"state machine {machine.name}"] = {
            "definition_file": str(Path(machine.definition_file).resolve()),
            "substitution names": sorted(machine.substitutions),
            "type": machine.type,
        }
    for function in stack.functions:
        if function.url is not None:
            facts[f"function url {function.name}"] = {
                "authorization_type": function.url.authorization,
                "invoke_mode": function.url.invoke_mode,
            }
    return facts


def _first(blocks: Any) -> dict[str, Any]:
    return blocks[0] if isinstance(blocks, list) and blocks and isinstance(blocks[0], dict) else {}


def _name_of(value: Any, kind: str) -> Any:
    """The physical name behind a reference to a resource of ``kind`` (an ARN, URL or the name itself)."""
    if isinstance(value, Ref) and value.kind == kind:
        return value.name
    return value if isinstance(value, str) and not value.startswith("arn:") else Unknown(f"{value} (not a {kind})")


def terraform_facts(scope_: Scope) -> Facts:
    """One section per resource type, read top to bottom."""
    facts: Facts = {}
    ev = scope_.evaluate

    for body in scope_.module.resources_of("aws_s3_bucket").values():
        facts[f"bucket {ev(body.get('bucket'))}"] = {}
    for body in scope_.module.resources_of("aws_s3_bucket_notification").values():
        bucket = ev(body.get("bucket"))
        for note in body.get("lambda_function", []):
            function = _name_of(ev(note.get("lambda_function_arn")), "function")
            prefix, suffix = ev(note.get("filter_prefix", "")), ev(note.get("filter_suffix", ""))
            key = _notification(bucket, function, prefix, suffix)
            facts[key] = {"events": sorted(ev(note.get("events", [])))}
        for note in body.get("queue", []):
            facts[f"s3 notification {bucket} -> queue {_name_of(ev(note.get('queue_arn')), 'queue')}"] = {}

    for body in scope_.module.resources_of("aws_dynamodb_table").values():
        types = {ev(a.get("name")): ev(a.get("type")) for a in body.get("attribute", [])}

        def key_of(name: Any, types: dict[Any, Any] = types) -> Any:
            return None if name is None else _attribute(name, types.get(name, "?"))

        indexes = {}
        for index in body.get("global_secondary_index", []):
            # key_schema blocks (provider 6.x) or the deprecated hash_key/range_key arguments.
            schema = {ev(k.get("key_type")): ev(k.get("attribute_name")) for k in index.get("key_schema", [])}
            indexes[ev(index.get("name"))] = {
                "hash_key": key_of(schema.get("HASH", ev(index.get("hash_key")))),
                "range_key": key_of(schema.get("RANGE", ev(index.get("range_key")))),
                "projection": ev(index.get("projection_type")),
            }
        ttl = _first(body.get("ttl"))
        stream_on = ev(body.get("stream_enabled", False)) is True
        facts[f"table {ev(body.get('name'))}"] = {
            "hash_key": key_of(ev(body.get("hash_key"))),
            "range_key": key_of(ev(body.get("range_key"))),
            "stream_view": ev(body.get("stream_view_type")) if stream_on else None,
            "ttl_attribute": ev(ttl.get("attribute_name")) if ev(ttl.get("enabled", True)) is True and ttl else None,
            "global_secondary_indexes": indexes,
        }

    for body in scope_.module.resources_of("aws_kinesis_stream").values():
        facts[f"kinesis stream {ev(body.get('name'))}"] = {}

    for queue_scope, _, body in queue_resources(scope_):
        ev = queue_scope.evaluate
        redrive = ev(body.get("redrive_policy"))
        if isinstance(redrive, str):
            try:
                redrive = json.loads(redrive)
            except json.JSONDecodeError:
                redrive = Unknown(redrive)
        dlq = max_receive = None
        if isinstance(redrive, dict):
            target = str(redrive.get("deadLetterTargetArn"))
            match = re.fullmatch(r"\$\{queue\.(.+)\.arn\}", target)
            dlq = match.group(1) if match else Unknown(target)
            max_receive = redrive.get("maxReceiveCount")
            max_receive = (
                int(max_receive) if isinstance(max_receive, int | str) and str(max_receive).isdigit() else max_receive
            )
        elif redrive is not None:
            dlq = max_receive = redrive
        facts[f"queue {ev(body.get('name'))}"] = {
            "fifo": ev(body.get("fifo_queue", False)),
            # null (the argument unset, as modules/queue leaves it on standard queues) is the default, false.
            "content_based_deduplication": ev(body.get("content_based_deduplication", False)) or False,
            "visibility_timeout": ev(body.get("visibility_timeout_seconds", 30)),
            "dead_letter_queue": dlq,
            "max_receive_count": max_receive,
        }
    ev = scope_.evaluate

    for body in scope_.module.resources_of("aws_cloudwatch_event_bus").values():
        facts[f"event bus {ev(body.get('name'))}"] = {}
    rules_by_address = {}
    for address, body in scope_.module.resources_of("aws_cloudwatch_event_rule").items():
        name = ev(body.get("name"))
        rules_by_address[address] = name
        pattern = ev(body.get("event_pattern"))
        facts[f"rule {name}"] = {
            "event_bus": ev(body.get("event_bus_name", "default")),
            "event_pattern": _pattern(pattern) if pattern is not None else None,
            "schedule_expression": ev(body.get("schedule_expression")),
        }
    kinds = {"queue", "function", "state_machine"}
    for body in scope_.module.resources_of("aws_cloudwatch_event_target").values():
        arn = ev(body.get("arn"))
        target = f"{arn.kind} {arn.name}" if isinstance(arn, Ref) and arn.kind in kinds else f"? {arn}"
        transformer = _first(body.get("input_transformer"))
        facts[f"rule {ev(body.get('rule'))} target {target}"] = {
            "input_paths": ev(transformer.get("input_paths", {})) if transformer else None,
            "input_template": ev(transformer.get("input_template")) if transformer else None,
            "message_group_id": ev(_first(body.get("sqs_target")).get("message_group_id")),
        }

    for function in functions(scope_):
        environment = function.environment
        facts[f"function {function.name}"] = {
            "handler": function.handler,
            "timeout": function.timeout,
            "environment variable names": sorted(environment) if isinstance(environment, dict) else environment,
        }

    for body in scope_.module.resources_of("aws_lambda_event_source_mapping").values():
        function = _name_of(ev(body.get("function_name")), "function")
        source = ev(body.get("event_source_arn"))
        failures = "ReportBatchItemFailures" in (ev(body.get("function_response_types", [])) or [])
        window = ev(body.get("maximum_batching_window_in_seconds", 0))
        if isinstance(source, Ref) and source.kind == "queue":
            facts[f"event source queue {source.name} -> function {function}"] = {
                "batch_size": ev(body.get("batch_size", 10)),
                "maximum_batching_window_seconds": window,
                "report_batch_item_failures": failures,
                "maximum_concurrency": ev(_first(body.get("scaling_config")).get("maximum_concurrency")),
            }
            continue
        if isinstance(source, Ref) and source.kind == "table" and source.attribute == "stream_arn":
            origin = f"dynamodb stream of table {source.name}"
        elif isinstance(source, Ref) and source.kind == "stream":
            origin = f"kinesis stream {source.name}"
        else:
            origin = f"unknown source {source}"
        patterns = [
            _pattern(ev(f.get("pattern")))
            for criteria in body.get("filter_criteria", [])
            for f in criteria.get("filter", [])
        ]
        on_failure = _first(_first(body.get("destination_config")).get("on_failure"))
        destination = ev(on_failure.get("destination_arn")) if on_failure else None
        facts[f"event source {origin} -> function {function}"] = {
            "batch_size": ev(body.get("batch_size", 100)),
            "maximum_batching_window_seconds": window,
            "starting_position": ev(body.get("starting_position")),
            "report_batch_item_failures": failures,
            "filter_patterns": sorted(patterns, key=str),
            "maximum_retry_attempts": ev(body.get("maximum_retry_attempts", -1)),
            "bisect_batch_on_function_error": ev(body.get("bisect_batch_on_function_error", False)),
            "on_failure_queue": None if destination is None else _name_of(destination, "queue"),
        }

    for body in scope_.module.resources_of("aws_sfn_state_machine").values():
        definition = ev(body.get("definition"))
        if isinstance(definition, TemplateFile):
            path: Any = str(definition.path)
            names: Any = (
                sorted(definition.variables) if isinstance(definition.variables, dict) else definition.variables
            )
        elif isinstance(definition, FileContent):
            path, names = str(definition.path), []
        else:
            path, names = Unknown(f"definition = {str(definition)[:60]}"), []
        facts[f"state machine {ev(body.get('name'))}"] = {
            "definition_file": path,
            "substitution names": names,
            "type": ev(body.get("type", "STANDARD")),
        }

    for body in scope_.module.resources_of("aws_lambda_function_url").values():
        function = _name_of(ev(body.get("function_name")), "function")
        facts[f"function url {function}"] = {
            "authorization_type": ev(body.get("authorization_type")),
            "invoke_mode": ev(body.get("invoke_mode", "BUFFERED")),
        }
    return facts


def _differences(stack: Facts, terraform: Facts) -> Iterator[str]:
    for key in sorted(stack.keys() - terraform.keys()):
        yield f"{key}: in stack.py, not in Terraform"
    for key in sorted(terraform.keys() - stack.keys()):
        yield f"{key}: in Terraform, not in stack.py"
    for key in sorted(stack.keys() & terraform.keys()):
        ours, theirs = stack[key], terraform[key]
        for attribute in ours:
            left, right = ours[attribute], theirs.get(attribute)
            if isinstance(left, dict) and isinstance(right, dict):
                for inner in sorted(left.keys() | right.keys()):
                    if left.get(inner) != right.get(inner):
                        yield (
                            f"{key}: {attribute} {inner}: stack.py {left.get(inner)!r}, Terraform {right.get(inner)!r}"
                        )
            elif left != right:
                yield f"{key}: {attribute}: stack.py {left!r}, Terraform {_show(right)}"


def _show(value: Any) -> str:
    return f"cannot evaluate {value}" if isinstance(value, Unknown) else repr(value)


_NAME_REFERENCE = re.compile(r"\$\{(?:bucket|table|stream|queue|bus|function|state_machine)\.([^}]+)\.name\}")


def output_differences(stack: Stack, scope_: Scope) -> Iterator[str]:
    """Every output stack.py declares is an output of the module, of the same value where both are plain."""
    for name, value in sorted(stack.outputs.items()):
        declared = scope_.module.outputs.get(name)
        if declared is None:
            yield f"output {name}: in stack.py, not in Terraform"
            continue
        theirs = scope_.evaluate(declared.get("value"))
        ours = _NAME_REFERENCE.sub(r"\1", value)
        comparable = (isinstance(theirs, str) and "${" not in theirs) or (
            isinstance(theirs, Ref) and theirs.kind in {kind for kind, _ in NAMED.values()}
        )
        if comparable and str(theirs) != ours:
            yield f"output {name}: stack.py {ours!r}, Terraform {str(theirs)!r}"


def compare(stack: Stack, module_dir: Path, variables: Mapping[str, Any] | None = None) -> list[str]:
    """Every difference between ``stack`` and the Terraform module at ``module_dir`` (empty: the same).

    ``variables`` are the module's input variables (default ``{"name_prefix": "pizza"}``); a variable not
    given takes its default in variables.tf.
    """
    module = scope(Path(module_dir), variables)
    return [*_differences(stack_facts(stack), terraform_facts(module)), *output_differences(stack, module)]
