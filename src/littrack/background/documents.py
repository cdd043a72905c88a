"""Background documents: the four shipped seed articles and the user's own files, loaded as plain text.

This module only reads files (the packaged seeds and the paths named in ``background.documents``) and
turns ``.txt``/``.md``/``.html`` into plain text with a title. Splitting into passages, relating papers
and extracting study mentions live in the sibling modules. Background documents are never evidence:
every one carries a ``source_note`` saying so.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

from littrack.config import BackgroundConfig
from littrack.errors import ConfigError

USER_SOURCE_NOTE = "your own background document; not peer-reviewed"
_TITLE_MAX = 140


@dataclass(frozen=True)
class BackgroundDoc:
    """One background article as plain text, with where it came from."""

    id: str
    title: str
    publisher: str
    date_label: str
    text: str
    shipped: bool
    path: Path | None
    source_note: str = USER_SOURCE_NOTE


def shipped_documents() -> tuple[BackgroundDoc, ...]:
    """The four seed articles packaged with littrack, text exactly as received."""
    folder = resources.files("littrack.background").joinpath("seeds")
    meta = json.loads(folder.joinpath("seeds.json").read_text(encoding="utf-8"))
    docs = []
    for entry in meta["documents"]:
        res = folder.joinpath(entry["file"])
        docs.append(
            BackgroundDoc(
                id=entry["id"],
                title=entry["title"],
                publisher=entry["publisher"],
                date_label=entry["date_label"],
                text=res.read_text(encoding="utf-8"),
                shipped=True,
                path=Path(str(res)),
                source_note=entry["source"],
            )
        )
    return tuple(docs)


def load_documents(cfg: BackgroundConfig) -> tuple[BackgroundDoc, ...]:
    """Shipped seeds (unless ``include_shipped`` is false) followed by the user's documents, in config order.

    Raises ConfigError (one line) when a user document cannot be read or decoded.
    """
    docs = list(shipped_documents()) if cfg.include_shipped else []
    taken = {d.id for d in docs}
    for path in cfg.documents:
        doc = read_document(path)
        doc_id, n = doc.id, 2
        while doc_id in taken:  # two files with the same stem in different folders
            doc_id, n = f"{doc.id}-{n}", n + 1
        taken.add(doc_id)
        docs.append(doc if doc_id == doc.id else _with_id(doc, doc_id))
    return tuple(docs)


def read_document(path: Path) -> BackgroundDoc:
    """Read one user document (.txt, .md, .html/.htm) into plain text with a title."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).split(":")[0]
        raise ConfigError(
            f"{path}: cannot read background document ({reason}); fix the file or remove it from background.documents"
        ) from None
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm"}:
        title, text = html_to_text(raw)
    elif suffix == ".md":
        title, text = markdown_to_text(raw)
    else:
        title, text = "", raw
    title = title or _first_line(text) or path.stem
    return BackgroundDoc(
        id=_slug(path.stem),
        title=_shorten(title),
        publisher="",
        date_label="",
        text=text,
        shipped=False,
        path=path,
    )


class _TextExtractor(HTMLParser):
    """Collects visible text, starting a new paragraph at every block element."""

    BLOCKS = frozenset(
        str.split(
            "p div h1 h2 h3 h4 h5 h6 li ul ol br tr table section article header footer nav aside blockquote pre "
            "figure figcaption dt dd hr main form"
        )
    )
    HIDDEN = frozenset({"script", "style", "noscript", "template", "head"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.in_title = False
        self.title = ""
        self.heading = ""
        self.in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in self.HIDDEN:
            self.hidden += 1
        if tag in {"h1", "h2"} and not self.heading:
            self.in_heading = True
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        if tag in {"h1", "h2"}:
            self.in_heading = False
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
            return
        if self.hidden:
            return
        if self.in_heading:
            self.heading += data
        self.parts.append(data)


def html_to_text(raw: str) -> tuple[str, str]:
    """(title, text) of an HTML page: <title>, else the first h1/h2; blocks become paragraphs."""
    parser = _TextExtractor()
    parser.feed(raw)
    parser.close()
    text = "".join(parser.parts)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    title = " ".join(parser.title.split()) or " ".join(parser.heading.split())
    return title, "\n\n".join(p for p in paragraphs if p)


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPH = re.compile(r"(\*\*|__|\*|`)")


def markdown_to_text(raw: str) -> tuple[str, str]:
    """(title, text) of Markdown: the first heading is the title; links keep their text, markers go."""
    title = ""
    lines = []
    for line in raw.splitlines():
        m = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            line = m.group(1)
            title = title or line
        lines.append(_MD_EMPH.sub("", _MD_LINK.sub(r"\1", line)))
    return _MD_EMPH.sub("", _MD_LINK.sub(r"\1", title)), "\n".join(lines)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _shorten(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= _TITLE_MAX else title[: _TITLE_MAX - 1].rsplit(" ", 1)[0] + "…"


def _slug(stem: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "document"


def _with_id(doc: BackgroundDoc, doc_id: str) -> BackgroundDoc:
    return BackgroundDoc(
        doc_id, doc.title, doc.publisher, doc.date_label, doc.text, doc.shipped, doc.path, doc.source_note
    )
