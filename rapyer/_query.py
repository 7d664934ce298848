"""Query expressions on indexed fields (no I/O). Compiled to RediSearch queries with PARAMS.

``User.age`` is a :class:`FieldProxy` (from the metaclass); comparing it or calling one of
its operators gives an :class:`Expression`. :func:`compile_query` turns expressions into the
query text plus the ``PARAMS`` values; values never appear in the text, and only attribute
names and ``match()`` terms are escaped.

String values of TAG attributes: RediSearch trims ASCII whitespace around TAG values when it
indexes them, so comparisons ignore leading and trailing whitespace (``" a "`` equals
``"a"``), and a value must not contain the separator ``"\\x1f"``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from rapyer._codec import DUMP_CONTEXT, field_adapter
from rapyer._index import (
    TAG_SEPARATOR,
    TAG_WHITESPACE,
    IndexedField,
    _nested_model,
    _strip_optional,
    indexed_fields,
)
from rapyer.errors import BadFilterError, UnsupportedArgumentValueError

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

__all__ = [
    "Expression",
    "FieldProxy",
    "SortKey",
    "check_not_bare",
    "compile_query",
    "resolve_sort",
]

MIN_PREFIX = 2


# ---- expressions ----------------------------------------------------------------------------


class Expression:
    """Base of every query expression (``User.age > 30``, ``a & b`` ...)."""

    __slots__ = ()

    def __and__(self, other: Expression) -> Expression:
        return And((self, _check_expression(other)))

    def __rand__(self, other: Expression) -> Expression:
        return And((_check_expression(other), self))

    def __or__(self, other: Expression) -> Expression:
        return Or((self, _check_expression(other)))

    def __ror__(self, other: Expression) -> Expression:
        return Or((_check_expression(other), self))

    def __invert__(self) -> Expression:
        return Not(self)

    def __bool__(self) -> bool:
        raise BadFilterError(
            "A query expression has no truth value; combine expressions with &, | and ~ "
            "(not 'and', 'or', 'not' or chained comparisons)"
        )

    def fields(self) -> Iterable[IndexedField]:
        """The indexed fields this expression uses."""
        return ()


def check_not_bare(value: Any) -> None:
    """Raise BadFilterError for a bare field proxy (``User.age`` without an operator)."""
    if isinstance(value, FieldProxy):
        raise BadFilterError(f"{value!r} is a bare field: compare it or call an operator")


def _check_expression(value: Any) -> Expression:
    if isinstance(value, Expression):
        return value
    if isinstance(value, FieldProxy):
        raise BadFilterError(f"{value!r} is a bare field: compare it or call an operator")
    raise BadFilterError(f"Cannot combine a query expression with {type(value).__name__}")


@dataclass(frozen=True, eq=False)
class Condition(Expression):
    """One operator on one attribute. ``values`` are JSON-mode values (already validated)."""

    field: IndexedField
    op: str  # eq ne gt ge lt le in startswith match missing present
    values: tuple[Any, ...] = ()

    def fields(self) -> Iterable[IndexedField]:
        return (self.field,)

    def __repr__(self) -> str:
        return f"Condition({self.field.name} {self.op} {self.values!r})"


@dataclass(frozen=True, eq=False)
class And(Expression):
    items: tuple[Expression, ...]

    def fields(self) -> Iterable[IndexedField]:
        for item in self.items:
            yield from item.fields()


@dataclass(frozen=True, eq=False)
class Or(Expression):
    items: tuple[Expression, ...]

    def fields(self) -> Iterable[IndexedField]:
        for item in self.items:
            yield from item.fields()


@dataclass(frozen=True, eq=False)
class Not(Expression):
    item: Expression

    def fields(self) -> Iterable[IndexedField]:
        return self.item.fields()


# ---- field proxies --------------------------------------------------------------------------


class FieldProxy:
    """``Model.field`` (or ``Model.inner.field``): builds expressions on that attribute."""

    __slots__ = ("_model", "_path")

    def __init__(self, model: type[BaseRedisModel], path: tuple[str, ...]):
        self._model = model
        self._path = path

    @property
    def name(self) -> str:
        return ".".join(self._path)

    def __repr__(self) -> str:
        return f"{self._model.__name__}.{self.name}"

    __hash__ = object.__hash__

    def __getattr__(self, name: str) -> FieldProxy:
        if name.startswith("_"):
            raise AttributeError(name)
        owner = _owner_model(self._model, self._path)
        if owner is not None and name in owner.model_fields:
            return FieldProxy(self._model, (*self._path, name))
        raise AttributeError(f"{self!r} has no field {name!r}")

    def __bool__(self) -> bool:
        raise BadFilterError(f"{self!r} is a bare field: compare it or call an operator")

    # -- helpers --
    def _indexed(self) -> IndexedField:
        field = indexed_fields(self._model).get(self.name)
        if field is None:
            raise BadFilterError(f"{self!r} is not an indexed field (mark it with Index)")
        return field

    def _cmp(self, op: str, value: Any) -> Expression:
        field = self._indexed()
        if value is None:
            if op == "eq":
                return Condition(field, "missing")
            if op == "ne":
                return Condition(field, "present")
            raise BadFilterError(f"{self!r}: None can only be compared with == or !=")
        if op in ("gt", "ge", "lt", "le"):
            if field.kind not in ("numeric", "datetime"):
                raise BadFilterError(
                    f"{self!r}: range comparisons need a numeric or datetime field"
                )
            if field.kind == "numeric" and _is_number(value):  # `age < 3.5` on an int field
                if math.isnan(value):
                    raise BadFilterError(f"{self!r}: NaN cannot be queried")
                return Condition(field, op, (value,))
        return Condition(field, op, (_query_value(field, value),))

    # -- operators --
    def __eq__(self, value: Any) -> Expression:  # type: ignore[override]
        return self._cmp("eq", value)

    def __ne__(self, value: Any) -> Expression:  # type: ignore[override]
        return self._cmp("ne", value)

    def __gt__(self, value: Any) -> Expression:
        return self._cmp("gt", value)

    def __ge__(self, value: Any) -> Expression:
        return self._cmp("ge", value)

    def __lt__(self, value: Any) -> Expression:
        return self._cmp("lt", value)

    def __le__(self, value: Any) -> Expression:
        return self._cmp("le", value)

    def in_(self, values: Iterable[Any]) -> Expression:
        """Any of ``values``; an empty collection matches nothing."""
        field = self._indexed()
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise BadFilterError(f"{self!r}.in_() takes a list of values")
        converted = []
        for value in values:
            if value is None:
                raise BadFilterError(f"{self!r}.in_(): use is_missing() to find None")
            converted.append(_query_value(field, value))
        return Condition(field, "in", tuple(dict.fromkeys(converted)))

    def startswith(self, prefix: str) -> Expression:
        """Values starting with ``prefix`` (at least 2 characters)."""
        field = self._indexed()
        if field.kind != "tag" or not isinstance(prefix, str):
            raise BadFilterError(f"{self!r}.startswith() needs a string field and a string")
        value = _tag_text(field, _query_value(field, prefix)).lstrip(TAG_WHITESPACE)
        if len(value) < MIN_PREFIX:
            raise BadFilterError(
                f"{self!r}.startswith() needs a prefix of at least {MIN_PREFIX} characters"
            )
        return Condition(field, "startswith", (value,))

    def match(self, text: str) -> Expression:
        """Full text: every term of ``text`` is present, in any order (``full_text=True``)."""
        field = self._indexed()
        if not field.full_text:
            raise BadFilterError(f"{self!r}.match() needs Index(full_text=True)")
        if not isinstance(text, str):
            raise BadFilterError(f"{self!r}.match() takes a string")
        terms = tuple(t for t in _TERM_SPLIT.split(text) if t)
        if not terms:
            raise BadFilterError(f"{self!r}.match() needs at least one word")
        return Condition(field, "match", terms)

    def is_missing(self) -> Expression:
        """The value is null or absent."""
        return Condition(self._indexed(), "missing")

    def asc(self) -> SortKey:
        return SortKey(self._indexed(), descending=False)

    def desc(self) -> SortKey:
        return SortKey(self._indexed(), descending=True)


def _owner_model(model: type[BaseModel], path: tuple[str, ...]) -> type[BaseModel] | None:
    """The nested model class reached by ``path``, or ``None`` when it is not a model."""
    current: type[BaseModel] | None = model
    for name in path:
        if current is None or name not in current.model_fields:
            return None
        annotation, _ = _strip_optional(current.model_fields[name].annotation)
        current = _nested_model(annotation)
    return current


def _adapter(field: IndexedField) -> Any:
    return field_adapter(field.owner, field.field_name)


def _query_value(field: IndexedField, value: Any) -> Any:
    """``value`` through the field's validator and JSON-mode dump; BadFilterError if invalid."""
    if isinstance(value, (FieldProxy, Expression)):
        raise BadFilterError(f"{field.name}: cannot compare a field with {value!r}")
    if isinstance(value, BaseModel) and hasattr(value, "key") and field.kind == "tag":
        value = value.key
    adapter = _adapter(field)
    try:
        validated = adapter.validate_python(value)
        dumped = adapter.dump_python(validated, mode="json", context=DUMP_CONTEXT)
    except (ValidationError, ValueError, TypeError) as exc:
        raise BadFilterError(f"{field.name}: invalid value {value!r}: {exc}") from exc
    if dumped is None:
        raise BadFilterError(f"{field.name}: use is_missing() or == None to find None")
    if field.kind in ("numeric", "datetime"):
        if isinstance(dumped, str):  # an ISO datetime of a field indexed elsewhere
            raise BadFilterError(f"{field.name}: invalid numeric value {value!r}")
        if isinstance(dumped, float) and math.isnan(dumped):
            raise BadFilterError(f"{field.name}: NaN cannot be queried")
    if field.kind == "tag" and isinstance(dumped, str) and TAG_SEPARATOR in dumped:
        raise BadFilterError(f"{field.name}: a value cannot contain \\x1f")
    return dumped


def _tag_param_text(text: str) -> str:
    """A TAG value as a PARAMS value: the query parser still reads ``\\`` as an escape
    there (``"a\\.b"`` would match ``"a.b"``), so backslashes are doubled."""
    return text.replace("\\", "\\\\")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _tag_text(field: IndexedField, value: Any) -> str:
    if field.kind == "bool":
        return "true" if value else "false"
    return str(value)


# RedisJSON's number parser may land one ulp away from the correctly rounded double that
# Python wrote, so a float compares equal to the values within FLOAT_ULPS ulps of it.
FLOAT_ULPS = 2


def _bounds(value: Any) -> tuple[Any, Any]:
    """The stored values that count as equal to ``value``: itself, or a few ulps of a float."""
    if not isinstance(value, float) or math.isinf(value):
        return value, value
    lo = hi = value
    for _ in range(FLOAT_ULPS):
        lo = math.nextafter(lo, -math.inf)
        hi = math.nextafter(hi, math.inf)
    return lo, hi


def _number_text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if math.isinf(value):
            return "+inf" if value > 0 else "-inf"
        return repr(value)
    return str(value)


# ---- sort keys ------------------------------------------------------------------------------


class SortKey:
    """A sort order on one indexed field (``User.age.asc()`` / ``.desc()``)."""

    __slots__ = ("descending", "field")

    def __init__(self, field: IndexedField, descending: bool = False):
        self.field = field
        self.descending = descending

    def __repr__(self) -> str:
        return f"SortKey({self.field.name}, {'DESC' if self.descending else 'ASC'})"

    def args(self) -> list[Any]:
        return ["SORTBY", self.field.name, "DESC" if self.descending else "ASC"]


def resolve_sort(cls: type[BaseRedisModel], sort_by: Any) -> SortKey | None:
    """``sort_by`` (``"age"``, ``"-age"``, ``User.age``, a SortKey or None) as a SortKey.

    Raises UnsupportedArgumentValueError for an unknown or non-indexed field.
    """
    if sort_by is None:
        return None
    fields = indexed_fields(cls)
    if isinstance(sort_by, SortKey):
        if fields.get(sort_by.field.name) is not sort_by.field:
            raise UnsupportedArgumentValueError(f"{sort_by!r} is not a field of {cls.__name__}")
        return sort_by
    if isinstance(sort_by, FieldProxy):
        name, descending = sort_by.name, False
        if not issubclass(cls, sort_by._model) and not issubclass(sort_by._model, cls):
            raise UnsupportedArgumentValueError(f"{sort_by!r} is not a field of {cls.__name__}")
    elif isinstance(sort_by, str):
        descending = sort_by.startswith("-")
        name = sort_by[1:] if descending else sort_by
    else:
        raise UnsupportedArgumentValueError(f"sort_by cannot be a {type(sort_by).__name__}")
    field = fields.get(name)
    if field is None:
        raise UnsupportedArgumentValueError(
            f"sort_by: {name!r} is not an indexed field of {cls.__name__}"
        )
    return SortKey(field, descending)


# ---- compilation ----------------------------------------------------------------------------

_ATTR_ESCAPE = re.compile(r"([^A-Za-z0-9_])")
# match(): split on anything that is not a letter, digit or underscore (RediSearch separators).
_TERM_SPLIT = re.compile(r"[^\w]+", re.UNICODE)


def escape_attribute(name: str) -> str:
    """An attribute name for query text: ``a.b`` -> ``a\\.b``."""
    return _ATTR_ESCAPE.sub(r"\\\1", name)


def escape_term(term: str) -> str:
    """A full-text term for query text: every non-word character escaped."""
    return re.sub(r"([^\w])", r"\\\1", term)


@dataclass
class CompiledQuery:
    text: str
    params: dict[str, str]
    attributes: frozenset[str] = frozenset()  # the index attributes the query uses

    def params_args(self) -> list[Any]:
        if not self.params:
            return []
        args: list[Any] = ["PARAMS", 2 * len(self.params)]
        for name, value in self.params.items():
            args += [name, value]
        return args


class _Compiler:
    def __init__(self) -> None:
        self.params: dict[str, str] = {}

    def param(self, value: str) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def compile(self, expr: Expression, negated: bool = False) -> str:
        """Query text of ``expr`` (of ``~expr`` when ``negated``).

        Negations are pushed down to the conditions (De Morgan), so the text never negates
        a group: RediSearch 2.10 mishandles a negated group inside an intersection (for
        example ``(-(-@a:{w'*'})) (-@b:[-inf +inf])`` matches nothing).
        """
        if isinstance(expr, Not):
            return self.compile(expr.item, not negated)
        if isinstance(expr, (And, Or)):
            parts = [f"({self.compile(item, negated)})" for item in expr.items]
            intersect = isinstance(expr, And) != negated
            return " ".join(parts) if intersect else " | ".join(parts)
        if isinstance(expr, Condition):
            return self.condition(expr, negated)
        raise BadFilterError(f"Not a query expression: {expr!r}")

    def condition(self, cond: Condition, negated: bool = False) -> str:
        field = cond.field
        attr = "@" + escape_attribute(field.name)
        op = cond.op
        numeric = field.kind in ("numeric", "datetime")
        if op in ("missing", "present"):
            has_value = f"{attr}:[-inf +inf]" if numeric else f"{attr}:{{w'*'}}"
            return has_value if (op == "present") != negated else f"-{has_value}"
        if op == "match":
            terms = [escape_term(t) for t in cond.values]
            name = "@" + escape_attribute(field.text_name)
            if not negated:
                return f"{name}:({' '.join(terms)})"
            return " | ".join(f"-{name}:({term})" for term in dict.fromkeys(terms))
        if op == "in" and not cond.values:
            return self._nothing(field, negated)
        if op == "startswith":
            text = f"{attr}:{{{self.param(_tag_param_text(cond.values[0]))}*}}"
            return f"-{text}" if negated else text
        if numeric:
            if op in ("eq", "ne", "in"):
                ranges = []
                for value in cond.values:
                    low, high = _bounds(value)
                    lo = self.param(_number_text(low))
                    hi = lo if high == low else self.param(_number_text(high))
                    ranges.append(f"{attr}:[{lo} {hi}]")
                if (op == "ne") == negated:  # eq / in
                    return " | ".join(ranges)
                return " ".join(f"-{r}" for r in ranges)
            lo_value, hi_value = _bounds(cond.values[0])
            if op in ("gt", "le"):
                p = self.param(_number_text(hi_value))
                text = f"{attr}:[({p} +inf]" if op == "gt" else f"{attr}:[-inf {p}]"
            else:
                p = self.param(_number_text(lo_value))
                text = f"{attr}:[{p} +inf]" if op == "ge" else f"{attr}:[-inf ({p}]"
            return f"-{text}" if negated else text
        # TAG (strings, bools, dates)
        if op in ("eq", "ne"):
            text = f"{attr}:{{{self.tag_param(field, cond.values[0])}}}"
            return text if (op == "eq") != negated else f"-{text}"
        if op == "in":
            text = f"{attr}:{{{' | '.join(self.tag_param(field, v) for v in cond.values)}}}"
            return f"-{text}" if negated else text
        raise BadFilterError(f"{field.name}: operator {op} is not supported on this field")

    def tag_param(self, field: IndexedField, value: Any) -> str:
        return self.param(_tag_param_text(_tag_text(field, value).strip(TAG_WHITESPACE)))

    def _nothing(self, field: IndexedField, negated: bool = False) -> str:
        """A condition no document meets (everything when ``negated``)."""
        attr = "@" + escape_attribute(field.name)
        if field.kind in ("numeric", "datetime"):
            p = self.param("0")
            empty = f"{attr}:[({p} {p}]"
            return f"-{empty}" if negated else empty
        p = self.param("x")
        if negated:
            return f"({attr}:{{{p}}} | -{attr}:{{{p}}})"
        return f"({attr}:{{{p}}} -{attr}:{{{p}}})"


def compile_query(cls: type[BaseRedisModel], expressions: Sequence[Any]) -> CompiledQuery:
    """The query text and PARAMS of the AND of ``expressions`` (``*`` when empty).

    Raises BadFilterError for a bare field, a non-expression or a field of another model.
    """
    compiler = _Compiler()
    parts = []
    own = indexed_fields(cls)
    attributes: set[str] = set()
    for expr in expressions:
        expr = _check_expression(expr)
        for field in expr.fields():
            known = own.get(field.name)
            if known is None or known.kind != field.kind:
                raise BadFilterError(f"{field.name} is not an indexed field of {cls.__name__}")
        attributes.update(_attributes_of(expr))
        parts.append(compiler.compile(expr))
    if not parts:
        return CompiledQuery("*", {})
    text = parts[0] if len(parts) == 1 else " ".join(f"({p})" for p in parts)
    return CompiledQuery(text, compiler.params, frozenset(attributes))


def _attributes_of(expr: Expression) -> Iterable[str]:
    """The index attributes ``expr`` queries (``match`` uses the ``__text`` attribute)."""
    if isinstance(expr, Condition):
        yield expr.field.text_name if expr.op == "match" else expr.field.name
    elif isinstance(expr, (And, Or)):
        for item in expr.items:
            yield from _attributes_of(item)
    elif isinstance(expr, Not):
        yield from _attributes_of(expr.item)
