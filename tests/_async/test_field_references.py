"""``ForeignKey`` / ``Reference`` (beta), against the real server and fakeredis."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rapyer.errors import KeyNotFound, NotResolvedError
from rapyer.types import ForeignKey
from tests.models import Author, Book


async def test_reference_is_stored_as_the_key(redis_backend):
    ann = Author(name="Ann")
    await ann.asave()
    book = Book(title="T", author=ann, co_authors=[ann.key], by_role={"editor": ann})
    assert isinstance(book.author, ForeignKey) and book.author.target_key == ann.key
    assert book.author.is_resolved and book.author.name == "Ann"  # built from the model
    assert book.redis_dump()["author"] == ann.key
    assert book.redis_dump()["co_authors"] == [ann.key]
    await book.asave()
    fresh = await Book.aget(book.key)
    assert fresh.author == book.author and hash(fresh.author) == hash(ann.key)
    assert not fresh.author.is_resolved
    with pytest.raises(NotResolvedError):
        fresh.author.name  # noqa: B018
    with pytest.raises(NotResolvedError):
        fresh.author.value  # noqa: B018
    assert await fresh.author.afetch() == ann
    assert fresh.author.name == "Ann" and fresh.author.value.name == "Ann"
    assert (await fresh.co_authors[0].afetch()).name == "Ann"
    assert (await fresh.by_role["editor"].afetch()).key == ann.key
    await fresh.author.aunload()
    assert not fresh.author.is_resolved


async def test_reference_forms_and_errors(redis_backend):
    ann = Author(name="Ann")
    await ann.asave()
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
        await missing.author.afetch()


async def test_self_and_union_references(redis_backend):
    first = Book(title="one")
    await first.asave()
    second = Book(title="two", sequel=first.key, subject=first.key)
    await second.asave()
    fresh = await Book.aget(second.key)
    assert (await fresh.sequel.afetch()).title == "one"
    assert isinstance(await fresh.subject.afetch(), Book)
    wrong = Book(sequel="Author:x")
    with pytest.raises(KeyNotFound):
        await wrong.sequel.afetch()  # the key's prefix is not a Book


async def test_references_in_a_set_field(redis_backend):
    ann, bob = Author(name="Ann"), Author(name="Bob")
    await ann.asave()
    await bob.asave()
    book = Book(fans={ann.key})
    await book.asave()
    await book.fans.aadd(bob)
    fresh = await Book.aget(book.key)
    assert fresh.fans == {ForeignKey(ann.key), ForeignKey(bob.key)}
    assert sorted([(await fan.afetch()).name for fan in fresh.fans]) == ["Ann", "Bob"]


async def test_reference_field_save_and_load(redis_backend):
    ann, bob = Author(name="Ann"), Author(name="Bob")
    book = Book(author=ann)
    await book.asave()
    book.author = bob
    await book.author.asave()  # sync: asave=save_now
    assert await book.author.aload() == bob  # sync: aload=load_now
    assert (await Book.aget(book.key)).author.target_key == bob.key
