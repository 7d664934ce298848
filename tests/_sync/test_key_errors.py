# GENERATED from tests/_async/test_key_errors.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""The table of bad keys in docs/guide/errors.md, run cell by cell against the module functions.

The expected outcome of each cell is read from the page itself, so the documented table and the
behaviour cannot drift apart.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import rapyer
from rapyer import errors
from tests.models import User

ERRORS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "errors.md"
COLUMNS = {
    "not a string": [None, 5, b"User:1"],
    "malformed": ["nocolon", ":pk", "User:"],
    "unknown prefix": ["Nope:1"],
    "missing key": ["User:gone"],
}


def documented_table() -> dict[str, dict[str, Any]]:
    """``{function name: {column: an error class or the value}}`` from the page (both APIs)."""
    text = ERRORS_PAGE.read_text(encoding="utf-8")
    section = text[text.index("## Bad keys in the module functions") :]
    rows = [line for line in section.splitlines() if line.startswith("| `a")]
    table = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        names = re.findall(r"`(\w+)`", cells[0])  # the async name and its blocking twin
        outcomes = {}
        for column, cell in zip(COLUMNS, cells[1:], strict=True):
            token = re.search(r"`([^`]+)`", cell).group(1)
            if hasattr(errors, token):
                outcomes[column] = getattr(errors, token)
            else:
                outcomes[column] = {"None": None, "False": False, "0": 0}[token]
        for name in names:
            table[name] = outcomes
    return table


def call_get(key: Any) -> Any:
    return rapyer.get(key)


def call_find_one(key: Any) -> Any:
    return rapyer.find_one(key)


def call_find(key: Any) -> Any:
    return rapyer.find(key)


def call_delete_many(key: Any) -> Any:
    return (rapyer.delete_many(key)).models_deleted


def call_exists(key: Any) -> Any:
    return rapyer.exists(key)


def call_lock_from_key(key: Any) -> Any:
    with rapyer.lock_from_key(key, "table") as model:
        return model


CALLS = {
    "get": call_get,
    "find_one": call_find_one,
    "find": call_find,
    "delete_many": call_delete_many,
    "exists": call_exists,
    "lock_from_key": call_lock_from_key,
}


def test_the_table_names_every_module_function_that_takes_keys():
    table = documented_table()
    assert set(CALLS) <= set(table) and len(table) == 2 * len(CALLS)
    for name in CALLS:
        assert callable(getattr(rapyer, name))


@pytest.mark.parametrize("column", list(COLUMNS))
@pytest.mark.parametrize("name", list(CALLS))
def test_bad_key_table_cell(redis_backend, name, column):
    User(name="present").save()  # the table is about the keys, not an empty database
    expected = documented_table()[name][column]
    for key in COLUMNS[column]:
        if isinstance(expected, type):
            with pytest.raises(expected):
                CALLS[name](key)
        else:
            assert CALLS[name](key) == expected, key
    assert redis_backend.keys("User:*") != [] and redis_backend.keys("*table:lock") == []


def test_bad_keys_raise_before_anything_is_sent(backend):
    table = documented_table()
    backend.config_resetstat()
    for name in CALLS:
        outcomes = table[name]
        for column, expected in outcomes.items():
            if isinstance(expected, type) and column != "missing key":
                for key in COLUMNS[column]:
                    with pytest.raises(expected):
                        CALLS[name](key)
    sent = {
        command
        for command in backend.info("commandstats")
        if not command.startswith(
            ("cmdstat_config", "cmdstat_info", "cmdstat_client", "cmdstat_hello")
        )
    }
    assert sent == set(), sent


def test_the_errors_keep_the_original_handlers_working(redis_backend):
    # The original raised ValueError for a malformed key and KeyError for an unknown class in
    # get, and RapyerModelDoesntExist in find: each of those handlers still catches.
    with pytest.raises(ValueError):
        rapyer.get("nocolon")
    with pytest.raises(KeyError):
        rapyer.get("nocolon")
    with pytest.raises(KeyError):
        rapyer.get("Nope:1")
    with pytest.raises(rapyer.RapyerModelDoesntExist):
        rapyer.find("nocolon")
    with pytest.raises(rapyer.RapyerModelDoesntExist) as caught:
        rapyer.find("Nope:1")
    assert caught.value.model_name == "Nope" and "Nope" in str(caught.value)
    assert not isinstance(caught.value, rapyer.KeyNotFound)  # the seed's handler order works
    with pytest.raises(rapyer.InvalidKeyError) as invalid:
        rapyer.get(":pk")
    assert invalid.value.model_name == "" and "':pk'" in str(invalid.value)


def test_missing_keys_are_skipped_on_request(redis_backend):
    user = User(name="present")
    user.save()
    assert rapyer.find("User:gone", user.key, skip_missing=True) == [user]
