# GENERATED from tests/_async/test_field_references.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""``ForeignKey`` / ``Reference`` (beta), against the real server and fakeredis."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rapyer.errors import KeyNotFound, NotResolvedError
from rapyer.types import ForeignKey
from tests.models import Author, Book


def test_reference_is_stored_as_the_key(redis_backend):
    ann = Author(name="Ann")
    ann.save()
    book = Book(title="T", author=ann, co_authors=[ann.key], by_role={"editor": ann})
    assert isinstance(book.author, ForeignKey) and book.author.target_key == ann.key
    assert book.author.is_resolved and book.author.name == "Ann"  # built from the model
    assert book.redis_dump()["author"] == ann.key
    assert book.redis_dump()["co_authors"] == [ann.key]
    book.save()
    fresh = Book.get(book.key)
    assert fresh.author == book.author and hash(fresh.author) == hash(ann.key)
    assert not fresh.author.is_resolved
    with pytest.raises(NotResolvedError):
        fresh.author.name  # noqa: B018
    with pytest.raises(NotResolvedError):
        fresh.author.value  # noqa: B018
    assert fresh.author.fetch_now() == ann
    assert fresh.author.name == "Ann" and fresh.author.value.name == "Ann"
    assert (fresh.co_authors[0].fetch_now()).name == "Ann"
    assert (fresh.by_role["editor"].fetch_now()).key == ann.key
    fresh.author.unload_now()
    assert not fresh.author.is_resolved


def test_reference_forms_and_errors(redis_backend):
    ann = Author(name="Ann")
    ann.save()
    book = Book(author={"$ref": Author, "$id": ann.pk}, subject=ann)
    assert book.author.target_key == ann.key
    assert Book(author={"$ref": "Author", "$id": ann.pk}).author == book.author
    assert Book(author=book.author).author == ann
    with pytest.raises(ValidationError):
        Book(author=Book())  # not an Author
    with pytest.raises(ValidationError):
        Book(author="no-colon")
    missing = Book(author="Author:gone")
    with pytest.raises(KeyNotFound):
        missing.author.fetch_now()


def test_self_and_union_references(redis_backend):
    first = Book(title="one")
    first.save()
    second = Book(title="two", sequel=first.key, subject=first.key)
    second.save()
    fresh = Book.get(second.key)
    assert (fresh.sequel.fetch_now()).title == "one"
    assert isinstance(fresh.subject.fetch_now(), Book)
    wrong = Book(sequel="Author:x")
    with pytest.raises(KeyNotFound):
        wrong.sequel.fetch_now()  # the key's prefix is not a Book


def test_references_in_a_set_field(redis_backend):
    ann, bob = Author(name="Ann"), Author(name="Bob")
    ann.save()
    bob.save()
    book = Book(fans={ann.key})
    book.save()
    book.fans.add_now(bob)
    fresh = Book.get(book.key)
    assert fresh.fans == {ForeignKey(ann.key), ForeignKey(bob.key)}
    assert sorted([(fan.fetch_now()).name for fan in fresh.fans]) == ["Ann", "Bob"]


def test_reference_field_save_and_load(redis_backend):
    ann, bob = Author(name="Ann"), Author(name="Bob")
    book = Book(author=ann)
    book.save()
    book.author = bob
    book.author.save_now()
    assert book.author.load_now() == bob
    assert (Book.get(book.key)).author.target_key == bob.key
