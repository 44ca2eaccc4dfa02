"""What an S3 (AWS IAM / MinIO) identity policy allows, for the policies in deploy/minio.yaml.

No MinIO server runs here, and moto's S3 server does not evaluate conditions such as
``s3:prefix`` (it passes no request values to a statement's ``Condition``, so a conditional
statement never matches). So the documents are checked by this evaluator, which follows the
IAM evaluation logic for one identity: an explicit Deny in any statement wins, otherwise a
matching Allow is needed, otherwise the request is refused (implicit deny).

Supported, and nothing more (anything else raises, so a policy we cannot judge is never
judged "allowed" or "refused" by accident): ``Effect``, ``Action`` / ``NotAction``,
``Resource`` / ``NotResource`` with the wildcards ``*`` and ``?`` (actions match without
regard to case, resources with), and ``Condition`` with ``StringEquals``, ``StringNotEquals``,
``StringLike``, ``StringNotLike`` (and their ``IfExists`` forms) on single-valued keys.
Policy variables (``${...}``) are refused: a template must be rendered before it is judged."""

import re
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any

STRING_OPERATORS = {"StringEquals", "StringNotEquals", "StringLike", "StringNotLike"}


class Decision(Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class Request:
    """One S3 call as IAM sees it: the action, the resource ARN, the request's condition keys."""

    action: str
    resource: str
    context: dict[str, str] = field(default_factory=dict)


def put_object(bucket: str, key: str) -> Request:
    return Request("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}")


def get_object(bucket: str, key: str) -> Request:
    return Request("s3:GetObject", f"arn:aws:s3:::{bucket}/{key}")


def delete_object(bucket: str, key: str) -> Request:
    return Request("s3:DeleteObject", f"arn:aws:s3:::{bucket}/{key}")


def list_objects(bucket: str, prefix: str | None = None) -> Request:
    """ListObjects(V2): the action is s3:ListBucket on the bucket; a prefix, if the call
    gives one, is the condition key s3:prefix (absent when the call lists the whole bucket)."""
    context = {} if prefix is None else {"s3:prefix": prefix}
    return Request("s3:ListBucket", f"arn:aws:s3:::{bucket}", context)


@lru_cache(maxsize=1024)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    if "${" in pattern:
        raise ValueError(f"policy variable in {pattern!r}: render the template first")
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    flags = (re.IGNORECASE | re.DOTALL) if ignore_case else re.DOTALL
    return re.compile(body, flags)


def matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard match: ``*`` any run of characters (``/`` included), ``?`` one."""
    return _wildcard(pattern, ignore_case).fullmatch(value) is not None


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _element_matches(statement: dict[str, Any], name: str, value: str, ignore_case: bool) -> bool:
    """Whether ``value`` falls under the statement's Action/Resource (or outside its
    NotAction/NotResource). A statement must have exactly one of the pair."""
    negated = f"Not{name}"
    if (name in statement) == (negated in statement):
        raise ValueError(f"a statement needs exactly one of {name} and {negated}: {statement}")
    key = name if name in statement else negated
    hit = any(matches(p, value, ignore_case=ignore_case) for p in _as_list(statement[key]))
    return hit if key == name else not hit


def _condition_holds(operator: str, key: str, expected: Any, context: dict[str, str]) -> bool:
    base = operator.removesuffix("IfExists")
    if base not in STRING_OPERATORS or key.startswith(("ForAnyValue:", "ForAllValues:")):
        raise ValueError(f"condition {operator} {key} is not supported by this evaluator")
    given = {k.lower(): v for k, v in context.items()}.get(key.lower())
    if given is None:
        # A missing key: IfExists and the negated operators hold, the others do not.
        return operator.endswith("IfExists") or base.startswith("StringNot")
    values = _as_list(expected)
    if base in ("StringEquals", "StringNotEquals"):
        hit = given in values
    else:
        hit = any(matches(v, given) for v in values)
    return not hit if base.startswith("StringNot") else hit


def _conditions_hold(statement: dict[str, Any], context: dict[str, str]) -> bool:
    conditions = statement.get("Condition") or {}
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, by_key in conditions.items()
        for key, expected in by_key.items()
    )


def _applies(statement: dict[str, Any], request: Request) -> bool:
    return (
        _element_matches(statement, "Action", request.action, ignore_case=True)
        and _element_matches(statement, "Resource", request.resource, ignore_case=False)
        and _conditions_hold(statement, request.context)
    )


def evaluate(request: Request, *policies: dict[str, Any]) -> Decision:
    """The decision for ``request`` made by the identity policies attached to one user."""
    allowed = False
    for policy in policies:
        statements = policy["Statement"]
        for statement in [statements] if isinstance(statements, dict) else statements:
            effect = statement["Effect"]
            if effect not in ("Allow", "Deny"):
                raise ValueError(f"Effect must be Allow or Deny: {statement}")
            if "Principal" in statement or "NotPrincipal" in statement:
                raise ValueError(f"an identity policy names no principal: {statement}")
            if not _applies(statement, request):
                continue
            if effect == "Deny":
                return Decision.EXPLICIT_DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def allows(request: Request, *policies: dict[str, Any]) -> bool:
    return evaluate(request, *policies) is Decision.ALLOW
