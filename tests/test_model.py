"""The records' value semantics: Record's shared methods behave as those @dataclass generates."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tests.conftest
from feedpub.model import Article, Author, Image, Record, Section, Site


@dataclasses.dataclass(frozen=True, slots=True)
class GeneratedAuthor:
    """Author's fields, with the methods @dataclass generates: the behaviour Record must match."""

    name: str
    email: str | None = None
    uri: str | None = None


maybe_text = st.none() | st.text(max_size=8)
author_fields = st.tuples(st.text(max_size=8), maybe_text, maybe_text)


@given(author_fields, author_fields)
def test_equality_and_hash_match_what_dataclass_generates(left: tuple, right: tuple) -> None:
    ours, theirs = (Author(*left), Author(*right)), (GeneratedAuthor(*left), GeneratedAuthor(*right))
    assert (ours[0] == ours[1]) == (theirs[0] == theirs[1])
    assert (ours[0] != ours[1]) == (theirs[0] != theirs[1])
    assert hash(ours[0]) == hash(theirs[0])  # both hash the tuple of the fields
    assert repr(ours[0]) == repr(theirs[0]).replace("GeneratedAuthor", "Author")


def test_equal_only_to_the_same_class() -> None:
    author = Author("Desk", "desk@example.org")
    assert author == Author("Desk", "desk@example.org")
    assert author != Author("Desk")
    assert author != GeneratedAuthor("Desk", "desk@example.org")  # same fields, another class
    assert author != ("Desk", "desk@example.org", None)  # nor a tuple, as a named tuple would be
    assert author.__eq__(object()) is NotImplemented
    assert len({author, Author("Desk", "desk@example.org"), Author("Desk")}) == 2


def make_article(body: str) -> Article:
    """The shared test record, with every optional field given."""
    return dataclasses.replace(
        tests.conftest.make_article(body),
        updated=datetime(2026, 1, 1, 1, tzinfo=UTC),
        tags=("sea",),
        image=Image("https://example.org/a.jpg", "A wave"),
    )


def test_every_field_counts_and_the_body_stays_out_of_the_repr() -> None:
    article = make_article("The full text, which would swamp a log line.")
    assert article == make_article("The full text, which would swamp a log line.")
    assert article != make_article("An edited text.")  # repr=False fields still compare
    assert hash(article) == hash(make_article("The full text, which would swamp a log line."))
    shown = repr(article)
    assert shown.startswith("Article(path=PosixPath('content/science/tides.md'), section='science'")
    assert "image=Image(url='https://example.org/a.jpg', alt='A wave', caption=None, media_type=None)" in shown
    assert "swamp" not in shown
    assert "body=" not in shown
    assert shown.endswith("source_sha256='')")


@pytest.mark.parametrize("record_class", [Author, Image, Site, Section, Article])
def test_records_stay_frozen_slotted_dataclasses(record_class: type) -> None:
    assert dataclasses.is_dataclass(record_class)
    assert issubclass(record_class, Record)
    assert record_class.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert "__slots__" in vars(record_class)
    assert "__dict__" not in dir(record_class)


def test_frozen_picklable_and_replaceable() -> None:
    article = make_article("Body.")
    with pytest.raises(dataclasses.FrozenInstanceError):
        article.title = "Changed"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(article)) == article  # the workers receive records this way
    edited = dataclasses.replace(article, title="Changed")
    assert edited.title == "Changed"
    assert edited != article
    assert edited.body == article.body
