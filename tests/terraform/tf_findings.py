"""Static checks that keep issue 12's findings from coming back; each returns one sentence per problem.

They read the .tf files with python-hcl2 (expressions come back as ``${...}`` text) and look at what is
written, not at what it evaluates to: a module that reaches the same end another way may need the check
taught. Run over every module and deployment by test_findings.py, and on copies with mistakes made on
purpose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tf_files import ROOT, blocks, parse, relative

VALIDATED = ("name_prefix", "log_level", "default_baking_time_secs", "bake_maximum_concurrency", "levels_shard_count")


def _resources(folder: Path, kind: str = "resource") -> Iterator[tuple[str, str, dict[str, Any], Path]]:
    for tf in sorted(folder.glob("*.tf")):
        for type_name, name, body in blocks(parse(tf), kind):
            yield type_name, name, body, tf


def _text(value: Any) -> str:
    return str(value)


def log_level_problems(folder: Path) -> list[str]:
    """A JSON-logging function sets its application log level (else Lambda forces INFO on Powertools)."""
    problems = []
    for type_name, name, body, tf in _resources(folder):
        if type_name != "aws_lambda_function":
            continue
        for config in body.get("logging_config", []):
            if config.get("log_format") == "JSON" and "application_log_level" not in config:
                problems.append(f"{relative(tf)}: {type_name}.{name}: JSON logs without application_log_level")
    return problems


def depends_on_problems(folder: Path) -> list[str]:
    """Mappings wait for their function's module (its policies); state machines for their role's policy."""
    problems = []
    for type_name, name, body, tf in _resources(folder):
        depends = " ".join(_text(d) for d in body.get("depends_on", []))
        if type_name == "aws_lambda_event_source_mapping":
            match = re.search(r"module\.(\w+)\.", _text(body.get("function_name")))
            if match and f"module.{match.group(1)}" not in depends:
                problems.append(
                    f"{relative(tf)}: {type_name}.{name}: add depends_on = [module.{match.group(1)}] "
                    "(the role's policies must exist before Lambda checks them)"
                )
        if type_name == "aws_sfn_state_machine" and "aws_iam_role_policy." not in depends:
            problems.append(f"{relative(tf)}: {type_name}.{name}: add depends_on on its role's aws_iam_role_policy")
    return problems


def alarm_problems(folder: Path) -> list[str]:
    """Every alarm notifies the SNS topic variable."""
    problems = []
    declared = {n for tf in folder.glob("*.tf") for entry in parse(tf).get("variable", []) for n in entry}
    for type_name, name, body, tf in _resources(folder):
        if type_name != "aws_cloudwatch_metric_alarm":
            continue
        actions = _text(body.get("alarm_actions"))
        if "alarm_topic_arn" not in actions and "local.alarm_actions" not in actions:
            problems.append(f"{relative(tf)}: {type_name}.{name}: alarm_actions do not notify var.alarm_topic_arn")
        if "alarm_topic_arn" not in declared:
            problems.append(f"{relative(tf)}: {type_name}.{name}: the module has no alarm_topic_arn variable")
    return problems


def validation_problems(folder: Path) -> list[str]:
    """The variables a bad value of which breaks a deploy or every cold start are validated, with a message
    naming the variable."""
    if folder.parent.name != "modules":
        return []  # roots pass them through to the modules, which validate
    problems = []
    for tf in sorted(folder.glob("*.tf")):
        for entry in parse(tf).get("variable", []):
            for name, body in entry.items():
                if name not in VALIDATED:
                    continue
                messages = [_text(v.get("error_message", "")) for v in body.get("validation", [])]
                if not messages:
                    problems.append(f"{relative(tf)}: variable {name} has no validation")
                elif not all(name in m for m in messages):
                    problems.append(f"{relative(tf)}: variable {name}: an error_message does not name it")
    return problems


def bucket_problems(folder: Path) -> list[str]:
    """Buckets: a default name unique per account and region, a force_destroy switch, a TLS-only policy."""
    problems = []
    resources = list(_resources(folder))
    data = list(_resources(folder, "data"))
    policies = {_text(b.get("bucket")): b for t, _, b, _ in resources if t == "aws_s3_bucket_policy"}
    documents = {f"data.aws_iam_policy_document.{n}": b for t, n, b, _ in data if t == "aws_iam_policy_document"}
    text = "\n".join(tf.read_text() for tf in folder.glob("*.tf"))
    for type_name, name, body, tf in resources:
        if type_name != "aws_s3_bucket":
            continue
        where = f"{relative(tf)}: {type_name}.{name}"
        bucket = _text(body.get("bucket"))
        local = re.fullmatch(r"\$\{local\.(\w+)\}", bucket)
        definition = re.search(rf"^\s*{local.group(1)}\s*=.*$", text, re.M).group(0) if local else bucket
        if "account_id" not in definition or "region" not in definition:
            problems.append(f"{where}: the default name is not made unique with the account id and the region")
        if _text(body.get("force_destroy")) != "${var.force_destroy}":
            problems.append(f"{where}: force_destroy is not the switch var.force_destroy")
        policy = policies.get(f"${{aws_s3_bucket.{name}.id}}")
        document = (
            documents.get(_text(policy.get("policy")).removeprefix("${").removesuffix(".json}")) if policy else None
        )
        if document is None or "aws:SecureTransport" not in _text(document) or "Deny" not in _text(document):
            problems.append(f"{where}: no bucket policy denying requests without TLS (aws:SecureTransport false)")
    return problems


def index_problems(folder: Path) -> list[str]:
    """GSIs name their keys with key_schema blocks (hash_key/range_key are deprecated in provider 6.x)."""
    problems = []
    for type_name, name, body, tf in _resources(folder):
        for index in body.get("global_secondary_index", []) if type_name == "aws_dynamodb_table" else []:
            if "hash_key" in index or "range_key" in index or "key_schema" not in index:
                problems.append(f"{relative(tf)}: {type_name}.{name}: index {index.get('name')}: use key_schema blocks")
    return problems


def put_events_problems(folder: Path) -> list[str]:
    """events:PutEvents only on exactly the shared bus found by its data source, never a pattern."""
    problems = []
    for type_name, name, body, tf in _resources(folder, "data"):
        if type_name != "aws_iam_policy_document":
            continue
        for statement in body.get("statement", []):
            if not any("PutEvents" in _text(a) or _text(a) == "events:*" for a in statement.get("actions", [])):
                continue
            resources = [_text(r) for r in statement.get("resources", [])]
            if not resources or any(
                not re.fullmatch(r"\$\{data\.aws_cloudwatch_event_bus\.\w+\.arn\}", r) for r in resources
            ):
                problems.append(
                    f"{relative(tf)}: data.{type_name}.{name}: events:PutEvents on {resources}: grant it on "
                    "data.aws_cloudwatch_event_bus.<bus>.arn exactly"
                )
    return problems


def template_problems(folder: Path) -> list[str]:
    """ASL templates get the partition from Terraform (data.aws_partition), never a literal `aws`."""
    problems = []
    for type_name, name, body, tf in _resources(folder):
        definition = _text(body.get("definition")) if type_name == "aws_sfn_state_machine" else ""
        if "templatefile(" in definition and "partition" not in definition:
            problems.append(f"{relative(tf)}: {type_name}.{name}: templatefile() does not pass partition")
    return problems


def asl_problems(root: Path = ROOT) -> list[str]:
    files = sorted(root.glob("services/*/statemachines/*.asl.json"))
    return [
        f"{relative(f)}: a literal arn:aws: (use arn:${{partition}}:)" for f in files if "arn:aws:" in f.read_text()
    ]


CHECKS: tuple[Callable[[Path], list[str]], ...] = (
    log_level_problems,
    depends_on_problems,
    alarm_problems,
    validation_problems,
    bucket_problems,
    index_problems,
    put_events_problems,
    template_problems,
)


def all_problems(folder: Path) -> list[str]:
    return [problem for check in CHECKS for problem in check(folder)]
