"""rapyer's mypy plugin: field values typed as their Redis types, class-level fields as queries.

Enable it in the mypy configuration (next to pydantic's plugin when that one is used)::

    [tool.mypy]
    plugins = ["rapyer.mypy"]

Then, on a rapyer model (``AtomicRedisModel`` or a subclass):

- reading a field of an instance gives the Redis type rapyer stores there: ``user.tags`` of a
  ``list[str]`` field is a ``RedisList[str]`` (``await user.tags.aappend("x")`` type-checks and
  ``aappend(1)`` is an error), ``int`` -> ``RedisInt``, ``float`` -> ``RedisFloat``, ``str`` ->
  ``RedisStr``, ``bytes`` -> ``RedisBytes``, ``datetime`` -> ``RedisDatetime``, ``dict[K, V]``
  -> ``RedisDict[K, V]``, ``set[T]`` -> ``RedisSet[T]`` (also inside ``Optional``); ``Key[T]``
  and ``Pickle[T]`` fields stay plain, as at run time, and so do ``Annotated[T, <call>]``
  fields (mypy drops that metadata; ``rapyer.ops`` gives their operations). Assignments keep
  the declared type.
- reading a field of the class (``User.age``) gives a ``QueryField`` of its type:
  ``User.age > 30`` is a query expression, ``User.name.in_(["a"])`` checks the item type.

Type checkers without plugins (pyright) get the same types through ``rapyer.ops(value)`` and
``rapyer.q(Model.field)``. Only mypy imports this module.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from mypy.nodes import (
    AssignmentStmt,
    Import,
    ImportAll,
    ImportFrom,
    MypyFile,
    NameExpr,
    TypeAlias,
    TypeInfo,
    Var,
)
from mypy.plugin import AttributeContext, Plugin
from mypy.types import (
    Instance,
    ProperType,
    RawExpressionType,
    Type,
    UnboundType,
    UnionType,
    get_proper_type,
)

__all__ = ["RapyerPlugin", "plugin"]

MODEL_BASE = "rapyer._model.BaseRedisModel"
QUERY_FIELD = "rapyer._typed.QueryField"
# Builtin field types and the Redis type rapyer stores them as (``rapyer._annotations``).
REDIS_TYPES = {
    "builtins.int": "rapyer.types.RedisInt",
    "builtins.float": "rapyer.types.RedisFloat",
    "builtins.str": "rapyer.types.RedisStr",
    "builtins.bytes": "rapyer.types.RedisBytes",
    "datetime.datetime": "rapyer.types.RedisDatetime",
    "builtins.list": "rapyer.types.RedisList",
    "builtins.dict": "rapyer.types.RedisDict",
    "builtins.set": "rapyer.types.RedisSet",
}
# Annotations whose fields rapyer keeps as the plain type (the pk, pickled values).
PLAIN_ALIASES = frozenset({"rapyer.fields.KeyOf", "rapyer.fields.PickleOf"})
_NOT_FIELDS = frozenset({"model_config", "Meta"})


class RapyerPlugin(Plugin):
    """See the module docstring."""

    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        # The types the hooks return must be loaded in the modules that use rapyer (only
        # those: a dependency of every module, the standard library's too, breaks mypy).
        if _is_rapyer(file.fullname) or not _imports_rapyer(file):
            return []
        return [(10, "rapyer.types", -1), (10, "rapyer._typed", -1)]

    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        field = self._field(fullname)
        if field is None:
            return None
        info, name = field
        if _plain_field(self, info, name):
            return None
        return functools.partial(_instance_field, self)

    def get_class_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        if self._field(fullname) is None:
            return None
        return functools.partial(_class_field, self)

    def _field(self, fullname: str) -> tuple[TypeInfo, str] | None:
        """``(class, name)`` when ``fullname`` names a field of a rapyer model."""
        owner, _, name = fullname.rpartition(".")
        if not owner or name.startswith("_") or name in _NOT_FIELDS:
            return None
        sym = self.lookup_fully_qualified(owner)
        info = sym.node if sym is not None else None
        if not isinstance(info, TypeInfo) or not info.has_base(MODEL_BASE):
            return None
        node = info.names.get(name)
        var = node.node if node is not None else None
        if not isinstance(var, Var) or var.is_classvar or var.is_property:
            return None
        return info, name


def _is_rapyer(module: str) -> bool:
    return module == "rapyer" or module.startswith("rapyer.")


def _imports_rapyer(file: MypyFile) -> bool:
    for imp in file.imports:
        if isinstance(imp, Import):
            names = [name for name, _ in imp.ids]
        elif isinstance(imp, (ImportFrom, ImportAll)):
            names = [imp.id]
        else:
            continue
        if any(_is_rapyer(name) for name in names):
            return True
    return False


def _plain_field(plugin: Plugin, info: TypeInfo, name: str) -> bool:
    """Whether the field keeps its declared type: ``Key[T]`` and ``Pickle[T]`` (plain at run
    time), and ``Annotated[T, <call>]``, whose metadata mypy does not keep (the declared type
    is a base of the run-time one: ``rapyer.ops`` gives the operations)."""
    for stmt in info.defn.defs.body:
        if not isinstance(stmt, AssignmentStmt) or len(stmt.lvalues) != 1:
            continue
        target = stmt.lvalues[0]
        if not isinstance(target, NameExpr) or target.name != name:
            continue
        written = stmt.unanalyzed_type
        if not isinstance(written, UnboundType):
            return False
        if any(isinstance(arg, RawExpressionType) for arg in written.args):
            return True
        return _alias_name(plugin, info.module_name, written.name) in PLAIN_ALIASES
    return False


def _alias_name(plugin: Plugin, module: str, written: str) -> str | None:
    """The full name of the alias an annotation's name refers to in ``module``."""
    head, _, rest = written.partition(".")
    sym = plugin.lookup_fully_qualified(f"{module}.{head}")
    if sym is None or sym.node is None:
        return None
    target = sym.node.fullname + ("." + rest if rest else "")
    found = plugin.lookup_fully_qualified(target) if rest else sym
    node = found.node if found is not None else None
    return node.fullname if isinstance(node, TypeAlias) else None


def _instance_field(plugin: Plugin, ctx: AttributeContext) -> Type:
    if ctx.is_lvalue:
        return ctx.default_attr_type
    found = _redis_type(plugin, get_proper_type(ctx.default_attr_type))
    return found or ctx.default_attr_type


def _redis_type(plugin: Plugin, declared: ProperType) -> Type | None:
    if isinstance(declared, UnionType):
        items = [_redis_type(plugin, get_proper_type(item)) or item for item in declared.items]
        return UnionType(items, declared.line, declared.column)
    if isinstance(declared, Instance):
        target = REDIS_TYPES.get(declared.type.fullname)
        if target is not None:
            return _instance(plugin, target, list(declared.args))
    return None


def _class_field(plugin: Plugin, ctx: AttributeContext) -> Type:
    return _instance(plugin, QUERY_FIELD, [ctx.default_attr_type]) or ctx.default_attr_type


def _instance(plugin: Plugin, fullname: str, args: list[Type]) -> Instance | None:
    # Not ``ctx.api.named_generic_type``: it finds a submodule only through its package's
    # names, and ``rapyer/__init__.py`` does not import ``rapyer.types``.
    sym = plugin.lookup_fully_qualified(fullname)
    info = sym.node if sym is not None else None
    return Instance(info, args) if isinstance(info, TypeInfo) else None


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point."""
    return RapyerPlugin
