"""Field annotations: ``Key``, ``Index``, ``SafeLoad``, ``Pickle`` and the ``RapyerKey`` type."""

from __future__ import annotations

import base64
import pickle
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import GetCoreSchemaHandler, PydanticSchemaGenerationError
from pydantic_core import core_schema

__all__ = ["Index", "IndexOptions", "Key", "Pickle", "RapyerKey", "SafeLoad"]

# Set in the validation context when rapyer loads a stored document.
LOAD_CONTEXT_FLAG = "rapyer_load"


class _Marker:
    """Base of the annotation markers: ``Marker[T]`` is ``Annotated[T, Marker()]``."""

    __slots__ = ()

    def __class_getitem__(cls, item: Any) -> Any:
        return Annotated[item, cls()]

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))


class Key(_Marker):
    """Marks the field whose value is the model's primary key."""

    __slots__ = ()


class SafeLoad(_Marker):
    """On load, a stored value that fails to decode or validate becomes ``None``."""

    __slots__ = ()


class Pickle(_Marker):
    """Opts one field into storage as base64(pickle). Only for trusted data.

    Values are pickled when the model is stored and unpickled only when rapyer loads a
    document; a string assigned by user code is never unpickled.
    """

    __slots__ = ()

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        try:
            inner = handler(source)
        except PydanticSchemaGenerationError:
            inner = (
                core_schema.is_instance_schema(source)
                if isinstance(source, type)
                else core_schema.any_schema()
            )
        return core_schema.with_info_before_validator_function(
            _unpickle_on_load,
            inner,
            serialization=core_schema.plain_serializer_function_ser_schema(
                _pickle_b64, when_used="json"
            ),
        )


def _pickle_b64(value: Any) -> str:
    return base64.b64encode(pickle.dumps(value)).decode("ascii")


def _unpickle_on_load(value: Any, info: core_schema.ValidationInfo) -> Any:
    context = info.context
    if isinstance(value, str) and isinstance(context, dict) and context.get(LOAD_CONTEXT_FLAG):
        try:
            return pickle.loads(base64.b64decode(value, validate=True))  # noqa: S301 (opt-in)
        except Exception as exc:
            raise ValueError(f"stored pickle cannot be loaded: {exc}") from exc
    return value


class Index(_Marker):
    """Adds the field to the model's RediSearch index."""

    __slots__ = ("full_text", "sortable")

    def __init__(self, full_text: bool = False, sortable: bool = False):
        self.full_text = full_text
        self.sortable = sortable

    def __repr__(self) -> str:
        return f"Index(full_text={self.full_text}, sortable={self.sortable})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Index)
            and other.full_text == self.full_text
            and other.sortable == self.sortable
        )

    def __hash__(self) -> int:
        return hash((Index, self.full_text, self.sortable))


# ``Index(full_text=..., sortable=...)`` under the name type checkers accept inside
# ``Annotated`` (for them ``rapyer.Index`` is the alias below, not a class to call).
IndexOptions = Index

if TYPE_CHECKING:
    # What type checkers see through the facade (``from rapyer import Key``): ``Key[str]``
    # is ``str``, the way pydantic's constrained types are written. At run time
    # ``Key[str]`` is ``Annotated[str, Key()]`` (``_Marker.__class_getitem__``): the same.
    _T = TypeVar("_T")
    KeyOf = Annotated[_T, Key()]
    IndexOf = Annotated[_T, Index()]
    SafeLoadOf = Annotated[_T, SafeLoad()]
    PickleOf = Annotated[_T, Pickle()]


class RapyerKey(str):
    """A string that is a rapyer key (``"Prefix:pk"``); stored as a plain string."""

    __slots__ = ()

    if not TYPE_CHECKING:

        @classmethod
        def __get_pydantic_core_schema__(
            cls, source: Any, handler: GetCoreSchemaHandler
        ) -> core_schema.CoreSchema:
            return core_schema.no_info_after_validator_function(
                cls,
                core_schema.str_schema(),
                serialization=core_schema.plain_serializer_function_ser_schema(
                    str, when_used="json"
                ),
            )
