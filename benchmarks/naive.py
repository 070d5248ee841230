"""The baseline: the same feeds written the obvious way, for ratios that survive a noisy machine.

python-frontmatter + markdown-it-py + feedgen; one RSS and one Atom per section; the newest 50
articles with full content; no cache, no validation, one process.

Run: python benchmarks/naive.py CONTENT_DIR OUT_DIR
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import frontmatter
from feedgen.feed import FeedGenerator
from markdown_it import MarkdownIt


def as_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return datetime.fromisoformat(str(value))


def main(content: Path, out: Path) -> None:
    markdown = MarkdownIt("commonmark")
    base_url = "https://news.example.com"
    for section in sorted(p for p in content.iterdir() if p.is_dir()):
        posts = []
        for path in sorted(section.glob("*.md")):
            if path.name == "_index.md":
                continue
            post = frontmatter.load(path)
            posts.append((as_datetime(post["date"]), path.stem, post))
        posts.sort(key=lambda item: item[0], reverse=True)
        feed = FeedGenerator()
        feed.id(f"{base_url}/{section.name}/")
        feed.title(section.name)
        feed.link(href=f"{base_url}/{section.name}/")
        feed.description(f"{section.name} news")
        for published, slug, post in posts[:50]:
            entry = feed.add_entry()
            entry.id(f"{base_url}/{section.name}/{slug}/")
            entry.title(str(post["title"]))
            entry.link(href=f"{base_url}/{section.name}/{slug}/")
            entry.published(published)
            entry.updated(as_datetime(post.get("updated", published)))
            entry.content(markdown.render(post.content), type="html")
            entry.summary(str(post.get("summary", "")) or str(post["title"]))
        target = out / section.name
        target.mkdir(parents=True, exist_ok=True)
        feed.rss_file(str(target / "rss.xml"))
        feed.atom_file(str(target / "atom.xml"))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
