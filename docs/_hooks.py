"""mkdocs hook: the home page is the README, with its links made relative to docs/."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
MARKER = "<!-- README -->"


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ARG001 (mkdocs API)
    if MARKER not in markdown:
        return markdown
    text = README.read_text(encoding="utf-8").replace("](docs/", "](")
    return markdown.replace(MARKER, text)
