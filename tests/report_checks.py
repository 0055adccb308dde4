"""Helpers for the report tests: copies of the session's real result folders that a
test may damage or rename, and a parse of a report page into its tags and text."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from tests import results


def copy_result(source: Path, target: Path) -> Path:
    """A private copy of a result folder (without its report and figures)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("report.html", "figures"))
    return target


def sweep_folder(result_root: Path, name: str = "factorial") -> Path:
    """The session's sweep of that design, made on first use."""
    folder = result_root / name
    return folder if (folder / "runs.parquet").exists() else results.make_sweep(result_root, name)


@dataclass
class Page(HTMLParser):
    """Every start tag with its attributes, and the text a reader sees (entities
    decoded, style sheet excluded)."""

    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page
