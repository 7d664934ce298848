"""Fast paths of the two most frequent field operations: ``increase`` of an int field and
``append`` to a list field of a root model (no I/O; the I/O twins send what they plan).

The general path of a field operation locates the value (``target_of``: the link, the root
model, its key and the path, a new ``Target``), validates, sends through ``write_field`` and
then applies the change locally (``replace_in_parent``, ``Target.changed`` ->
``field_changed`` -> ``_stored_edits.apply``): 100 Python calls more than redis-py alone for
an increase, 43 for an append (cProfile of the benchmark rows, blocking API), and an int
increase ran a Lua script (8.1 µs of server time against 1.7 µs for the bare command).

What this saves, for a value that is a top-level field of a live root model, outside a
pipeline, of a class without TTL (to -7 and +9 calls):

- the location is kept on the value (``_rapyer_spot``: the link it was computed for, the
  pk object and the configuration generation it depends on, the key and the path) and
  reused while all three are the same objects; an int's spot moves to its new value;
- an int increase is ``JSON.NUMINCRBY`` filtered to the int held locally (see
  ``increase_plan``), the script only when another number is stored;
- an int reply (``[n]``, ``"[n]"``) is read without the JSON decoder; the new value of an int
  field is ``RedisInt(n)`` (what its validation gives for an int), put into the model and
  linked with the link the old value had (what ``replace_in_parent`` computes for it);
- the remembered stored document gets the operation's edit directly (``_stored_edits``);
- the one command goes straight to the client, with key and path encoded once (``direct``).

Anything else (a pipeline, a TTL, a nested value, another reply than the plain success, an
error reply) goes to the general path; an error reply or a reply saying nothing was applied
(missing path, wrong JSON type) means nothing changed on the server, so the general path
sends again and raises what it raises. ``tests/_async/test_hot_paths.py`` runs the same
operations through both paths and compares replies, models, stored documents and the server
(hypothesis).
"""

from __future__ import annotations

from typing import Any

from rapyer import _pipeline_state, cascade
from rapyer import config as _config
from rapyer._annotations import PlainOnLoad
from rapyer._binding import Binding, binding_of
from rapyer._changes import field_changed
from rapyer._codec import field_adapter
from rapyer._links import ModelAnchor
from rapyer._scripts import SCRIPTS
from rapyer._stored_edits import apply as _apply_edit
from rapyer._types.base import Target
from rapyer.cascade import CascadeTTL
from rapyer.fields import _Marker

# Switch for the tests that compare both paths (never changed by the package itself).
ENABLED = True

_MAX_EXACT = 2**53  # as ``scalars.MAX_EXACT_INT``: int arithmetic on the server is exact within
_INT_SHA = SCRIPTS["int_increase"].sha
_NUMBERS = (int, float)
_OWN_METADATA = (PlainOnLoad, _Marker, CascadeTTL)  # markers that constrain no value
_frame = _pipeline_state.current


class Spot:
    """Where a top-level field value of a root model is stored, and what that depends on."""

    __slots__ = (
        "binding",
        "contended",
        "generation",
        "key",
        "key_bytes",
        "link",
        "path",
        "path_bytes",
        "pk",
        "ttl_free",
        "int_filter",
        "int_filter_bytes",
        "checked",
    )

    def __init__(
        self,
        link: Any,
        pk: Any,
        generation: int,
        target: Target,
        binding: Binding | None,
        ttl_free: bool,
    ):
        self.contended = False  # see increase_plan
        self.link = link
        self.pk = pk
        self.generation = generation
        self.key = target.key
        self.path = target.path
        # Encoded once: redis-py sends bytes as they are (a str costs it five type checks
        # and an encode per argument). Only in commands that go straight to the client, and
        # only ASCII text: its bytes are the same in every encoding a client may be given
        # (``None``: the text goes as text).
        ascii_text = target.key.isascii() and target.path.isascii()
        self.key_bytes = target.key.encode() if ascii_text else None
        self.path_bytes = target.path.encode() if ascii_text else b""
        self.binding = binding  # None: resolved at each call (see _new_spot)
        self.ttl_free = ttl_free
        # The start of the filtered increase (``$.n[?$.n==``, see ``increase_plan``), for a
        # path of one plain name only (``None``: the script): the path is written twice, once
        # inside a filter, where another character could read as an operator.
        name = target.path[2:]
        plain = target.path[:2] == "$." and name.isidentifier() and name.isascii()
        self.int_filter = f"{target.path}[?{target.path}==" if plain else None
        self.int_filter_bytes = self.int_filter.encode() if self.int_filter else b""
        self.checked = True  # see _new_spot


def _spot(value: Any) -> tuple[Spot, Any, dict[str, Any]] | None:
    """``(spot, root model, its private dict)`` of ``value`` when the fast paths apply to it:
    linked as a field of a live root model whose class has no TTL, and no pipeline open."""
    link = value._rapyer_link
    if link is None or not ENABLED or _frame() is not None:
        return None
    anchor = link[0]
    if type(anchor) is not ModelAnchor:
        return None  # an item of a container, or a model still being copied
    root = anchor()
    if root is None:
        return None
    private = root.__pydantic_private__
    # a root model, whose values link to its own anchor (what ``_links.link`` gives them)
    if private is None or private.get("_rapyer_parent") is not None:
        return None
    if private.get("_rapyer_anchor") is not anchor:
        return None
    key_field = root.__rapyer_key_field__
    pk = root.__dict__.get(key_field) if key_field is not None else private.get("_rapyer_pk")
    spot = value._rapyer_spot
    if (
        spot is None
        or spot.link is not link
        or spot.pk is not pk
        or spot.generation != _config.generation()
    ):
        spot = _new_spot(value, link, root, private)
        if spot is None:
            return None
    if not spot.ttl_free:
        return None
    return spot, root, private


def _new_spot(value: Any, link: Any, root: Any, private: dict[str, Any]) -> Spot | None:
    name = link[1]
    cls = type(root)
    if (
        type(name) is not str
        or name not in cls.__pydantic_fields__
        or name in cls.__rapyer_special_fields__
    ):
        return None
    generation = _config.generation()  # read first: a change meanwhile makes the spot stale
    target = Target(root, (name,))  # the general computation (raises what target_of raises)
    key_field = root.__rapyer_key_field__
    # the pk object now stored (reading ``pk`` may have wrapped or generated it)
    pk = root.__dict__.get(key_field) if key_field is not None else private.get("_rapyer_pk")
    ttl_free = _config.resolve(cls, "ttl") is None
    # ``binding_of`` keeps a class's binding for a configuration generation when the class
    # resolves ``redis`` to a value (else it follows REDIS_URL at each call): so does the spot.
    binding = binding_of(cls) if _config.resolve(cls, "redis") is not None else None
    spot = Spot(link, pk, generation, target, binding, ttl_free)
    # whether the field's annotation carries constraints to check (``Field(ge=0)``, validators):
    # any metadata but rapyer's own markers (what ``_codec.field_adapter`` adds to the type)
    metadata = cls.__pydantic_fields__[name].metadata
    spot.checked = any(not isinstance(item, _OWN_METADATA) for item in metadata)
    value._rapyer_spot = spot
    return spot


# ``direct`` in a plan: its one command may go straight to the client, when the binding is no
# cluster and no TTL cascade was noted in this process (nothing for ``executor.transaction`` to
# settle). That saves its frame (a coroutine in the async API); such a command has its key and
# path as bytes when they are ASCII (``Spot.key_bytes``). Else it goes through
# ``executor.transaction`` with text arguments, as every other command.


# ---- int increase -------------------------------------------------------------------------


def increase_plan(value: Any, amount: Any) -> tuple[Any, ...] | None:
    """``(binding, command, direct, spot, root, private)`` of ``value.increase(amount)`` on
    the fast path (an int field, an int amount, every number within the exact range), else
    ``None``. ``direct``: the command may go straight to the client (see the comment above).

    The command is ``JSON.NUMINCRBY`` on the field filtered to the value held locally
    (``$.n[?$.n==7]``): the server applies it only when the field holds that very number, so
    the check of the general path's script (a stored number with a fraction is left
    unchanged) holds. The filter names the field from the root, not ``@``: on an array
    ``@`` is each item, and ``$.n[?@==7]`` would increment the 7 inside a stored ``[7]``
    (the general path refuses an array); ``$.n`` is the array there, never 7. This costs
    a third of the script's server time (``INFO commandstats`` on the bundled server:
    2.9 µs filtered, 1.7 µs bare, 8.1 µs the script, which calls two JSON commands). When
    the server holds another number (another client changed it) nothing is applied and the
    script runs next (``retry_plan``); a spot that saw that once uses the script directly."""
    cls = type(value)
    if type(amount) is not int or cls._rapyer_builtin is not int or not cls._rapyer_identity:
        return None
    current = int(value)
    result = current + amount
    if not (
        -_MAX_EXACT <= result <= _MAX_EXACT
        and -_MAX_EXACT <= amount <= _MAX_EXACT
        and -_MAX_EXACT <= current <= _MAX_EXACT
    ):
        return None  # the general path raises RapyerSerializationError
    found = _spot(value)
    if found is None:
        return None
    spot, root, private = found
    # the field's own constraints (``Field(ge=0)`` ...), as the general path checks them:
    # the filter makes ``result`` exactly what the server would store. Skipped for a field
    # without any (``Spot.checked``): a validator call per increase (0.33 µs offline, more
    # with the caches a round trip leaves cold).
    if spot.checked:
        field_adapter(type(root), spot.link[1]).validate_python(result)
    binding = spot.binding or binding_of(type(root))
    direct = not binding.is_cluster and not cascade.active  # ``direct``, see above
    start = spot.int_filter
    if spot.contended or start is None:
        text = int.__repr__(amount)
        low, high = value._rapyer_int_bounds()  # the field's bounds, checked on the server
        command: tuple[Any, ...] = ("EVALSHA", _INT_SHA, 1, spot.key, spot.path, text, low, high)
    elif direct and spot.key_bytes is not None:  # the filter without parentheses: cheaper
        filtered = b"%b%d]" % (spot.int_filter_bytes, current)
        command = ("JSON.NUMINCRBY", spot.key_bytes, filtered, b"%d" % amount)
    else:
        filtered_text = f"{start}{int.__repr__(current)}]"
        command = ("JSON.NUMINCRBY", spot.key, filtered_text, int.__repr__(amount))
    return binding, command, direct, spot, root, private


def retry_plan(value: Any, amount: Any, plan: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """After ``plan`` applied nothing: the plan with the script when ``plan`` was the filtered
    increase (its spot, and the values that spot moves to, use the script from now on), else
    ``None`` (the general path says why)."""
    spot = plan[3]
    if spot.contended:
        return None
    spot.contended = True
    retry = increase_plan(value, amount)  # checked again: other tasks ran meanwhile
    return retry if retry is not None and retry[3] is spot else None


def int_reply(reply: Any) -> int | None:
    """The int of a ``$``-path reply: ``[n]`` (RESP3) or ``"[n]"`` (RESP2, scripts) with an
    int in decimal digits, else ``None``."""
    if type(reply) is list:
        return reply[0] if len(reply) == 1 and type(reply[0]) is int else None
    if type(reply) is not str or reply[:1] != "[" or reply[-1:] != "]":
        return None
    body = reply[1:-1]
    digits = body[1:] if body[:1] == "-" else body
    if not (digits.isascii() and digits.isdigit()):
        return None
    return int(body)


def increased(value: Any, plan: tuple[Any, ...], reply: Any) -> int | None:
    """After the server replied ``reply`` to ``plan``: when it is one int ``n``, the model
    holds ``RedisInt(n)`` in place of ``value`` (same link, same spot), the remembered
    document the number, and ``n`` is returned; else ``None`` (nothing done)."""
    if type(reply) is list and len(reply) == 1 and type(reply[0]) is int:
        new: int | None = reply[0]  # RESP3, the common reply
    else:
        new = int_reply(reply)
        if new is None:
            return None
    spot, root, private = plan[3], plan[4], plan[5]
    name = spot.link[1]
    local = type(value)(new)
    local._rapyer_link = spot.link
    local._rapyer_spot = spot
    root.__dict__[name] = local
    # the remembered document (``_changes.field_changed`` with the edit ("number", new))
    stored = private.get("_rapyer_stored")
    if type(stored) is dict and type(stored.get(name)) in _NUMBERS:
        stored[name] = new  # what ``_stored_edits.apply`` does with a number there
    elif stored is not None:
        field_changed(root, (name,), ("number", new))
    return new


def general_target(plan: tuple[Any, ...]) -> Target:
    """The target of the general path for the value of ``plan``."""
    return Target(plan[4], (plan[3].link[1],))


# ---- list append --------------------------------------------------------------------------


def append_plan(value: Any, item: Any) -> tuple[Any, ...] | None:
    """``(binding, command, direct, spot, root, private, item, text)`` of
    ``value.append(item)`` on the fast path (a list field of a root model whose items never
    hold models), else ``None``."""
    if value._rapyer_placed is not False and type(value)._rapyer_items_placed():
        return None
    found = _spot(value)
    if found is None:
        return None
    spot, root, private = found
    item = value._rapyer_validate_item(item)
    text = value._rapyer_item_json(item)
    binding = spot.binding or binding_of(type(root))
    direct = not binding.is_cluster and not cascade.active  # ``direct``, see above
    if direct and spot.key_bytes is not None:
        command: tuple[Any, ...] = ("JSON.ARRAPPEND", spot.key_bytes, spot.path_bytes, text)
    else:
        command = ("JSON.ARRAPPEND", spot.key, spot.path, text)
    return binding, command, direct, spot, root, private, item, text


def appended(value: Any, plan: tuple[Any, ...], reply: Any) -> bool:
    """After the server replied ``reply`` to ``plan``: when it is the plain success (``[n]``),
    the local list and the remembered document get the item, and ``True``; else ``False``
    (nothing done)."""
    if type(reply) is not list or not reply or reply[0] is None:
        return False
    list.append(value, plan[6])
    name, edit = plan[3].link[1], ("append", (plan[7],), value)
    # the remembered document (``_changes.field_changed``, without its checks of the field)
    stored = plan[5].get("_rapyer_stored")
    if type(stored) is dict:
        if not _apply_edit(stored, (name,), edit):
            stored.pop(name, None)  # not exact: the next save writes the field whole
    elif stored is not None:
        field_changed(plan[4], (name,), edit)  # the text as read: parsed there, once
    return True
