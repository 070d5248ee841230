"""Generate a realistic newsroom corpus: N sections x M articles, deterministic for a seed.

Articles are ~900 words with subheads, links (absolute and relative), lists, emphasis,
quotes and images; frontmatter has authors, tags, and sometimes updated and image.

Run: python benchmarks/corpus.py OUT_DIR --sections 10 --articles 1000 [--seed 1]
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

WORDS = [
    "the",
    "government",
    "said",
    "on",
    "monday",
    "that",
    "its",
    "plan",
    "would",
    "cut",
    "costs",
    "while",
    "analysts",
    "warned",
    "of",
    "risks",
    "to",
    "growth",
    "and",
    "jobs",
    "across",
    "the",
    "region",
    "as",
    "markets",
    "reacted",
    "to",
    "new",
    "figures",
    "showing",
    "inflation",
    "easing",
    "faster",
    "than",
    "expected",
    "in",
    "a",
    "year",
    "of",
    "elections",
    "strikes",
    "and",
    "storms",
    "that",
    "tested",
    "public",
    "services",
    "and",
    "private",
    "budgets",
    "alike",
    "officials",
    "declined",
    "to",
    "comment",
    "further",
    "but",
    "sources",
    "close",
    "to",
    "the",
    "talks",
    "described",
    "progress",
    "as",
    "slow",
]
AUTHORS = [
    ("Amira Haddad", "amira.haddad@news.example.com"),
    ("Tomasz Nowak", None),
    ("Grace Okafor", None),
    ("Lucía Fernández", "lucia@news.example.com"),
    ("Kenji Watanabe", None),
    ("Sofia Rossi", None),
]
TAGS = ["economy", "politics", "climate", "energy", "health", "transport", "housing", "education", "ai", "trade"]
SECTIONS = [
    "world",
    "politics",
    "business",
    "technology",
    "science",
    "health",
    "climate",
    "culture",
    "sport",
    "opinion",
    "education",
    "travel",
    "media",
    "law",
    "cities",
    "food",
    "books",
    "music",
    "film",
    "money",
]
START = datetime(2024, 1, 1, 6, 0, tzinfo=UTC)


def sentence(rng: random.Random, low: int = 8, high: int = 22) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def paragraph(rng: random.Random, number: int) -> str:
    parts = [sentence(rng) for _ in range(rng.randint(3, 5))]
    choice = rng.random()
    if choice < 0.25:
        parts.insert(1, f"According to [the report](https://data.example.org/reports/{number}), *figures rose*.")
    elif choice < 0.4:
        parts.insert(1, f"Read [our earlier coverage](../story-{number % 97}/) for **background**.")
    return " ".join(parts)


def body(rng: random.Random, number: int) -> str:
    blocks: list[str] = []
    words = 0
    heading = 0
    while words < 900:
        text = paragraph(rng, number)
        blocks.append(text)
        words += len(text.split())
        roll = rng.random()
        if roll < 0.18:
            heading += 1
            blocks.append(f"## {sentence(rng, 3, 6)[:-1]}")
        elif roll < 0.26:
            blocks.append("\n".join(f"- {sentence(rng, 4, 9)}" for _ in range(rng.randint(3, 5))))
        elif roll < 0.30:
            blocks.append(f"![{sentence(rng, 3, 6)[:-1]}](images/figure-{number}-{heading}.jpg)")
        elif roll < 0.33:
            blocks.append(f"> {sentence(rng)}")
    return "\n\n".join(blocks) + "\n"


def article(rng: random.Random, section: str, number: int, date: datetime) -> str:
    lines = ["---", f'title: "{sentence(rng, 5, 11)[:-1]}"', f"date: {date.isoformat()}"]
    if rng.random() < 0.3:
        lines.append(f"updated: {(date + timedelta(hours=rng.randint(1, 72))).isoformat()}")
    if rng.random() < 0.5:
        lines.append(f'summary: "{sentence(rng, 12, 25)}"')
    authors = rng.sample(AUTHORS, rng.randint(1, 2))
    lines.append("authors:")
    for name, email in authors:
        lines.append(f"  - {{name: {name}, email: {email}}}" if email else f"  - {name}")
    lines.append(f"tags: [{', '.join(rng.sample(TAGS, rng.randint(1, 4)))}]")
    if rng.random() < 0.6:
        lines += ["image:", f"  url: /images/{section}/{number}.jpg", f"  alt: {sentence(rng, 4, 8)[:-1]}"]
        if rng.random() < 0.5:
            lines.append(f"  caption: {sentence(rng, 5, 10)[:-1]}")
    return "\n".join([*lines, "---", "", body(rng, number)])


def generate(out: Path, sections: int, articles: int, seed: int = 1) -> Path:
    """Write the corpus under out/ (a content/ folder) and return it."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "_index.md").write_text(
        "---\ntitle: Benchmark News\nbase_url: https://news.example.com\ndescription: Generated corpus\n"
        "language: en-GB\ntimezone: Europe/London\nauthor: {name: News Desk, email: desk@news.example.com}\n"
        "feed_items: 50\n---\n",
        encoding="utf-8",
    )
    for index in range(sections):
        name = SECTIONS[index % len(SECTIONS)] + ("" if index < len(SECTIONS) else f"-{index}")
        folder = out / name
        folder.mkdir(exist_ok=True)
        (folder / "_index.md").write_text(
            f"---\ntitle: {name.title()}\ndescription: {name} news\n---\n", encoding="utf-8"
        )
        for number in range(articles):
            date = START + timedelta(minutes=37 * (number * sections + index))
            text = article(rng, name, number, date)
            (folder / f"story-{number}.md").write_text(text, encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--sections", type=int, default=10)
    parser.add_argument("--articles", type=int, default=1000, help="articles per section")
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    generate(arguments.out, arguments.sections, arguments.articles, arguments.seed)


if __name__ == "__main__":
    main()
