"""The Learn pages: plain-language articles for patients and families.

Pages are Markdown files under ``aatd/content/learn/<language>/<slug>.md`` with a small
front matter block between ``---`` lines::

    ---
    title: What is AATD?
    slug: what-is-aatd
    order: 1
    summary: One or two sentences.
    sources: [marciniuk2012, sandhaus2016]
    diagrams: [aat-journey]
    ---

``sources`` are ``source_id``s of ``sources.csv``; ``diagrams`` name hand-written SVG files
in ``aatd/content/diagrams/``. The body is rendered with markdown-it-py with raw HTML
disabled, so a page can never inject markup: the HTML is safe to insert in a template.
A missing language falls back to English. Everything returned is JSON-ready.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from xml.etree import ElementTree

from markdown_it import MarkdownIt

from aatd.errors import InputError
from aatd.knowledge import knowledge

DEFAULT_LANGUAGE = "en"
_REQUIRED = ("title", "slug", "summary", "sources")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LANG = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")
_LIST = re.compile(r"^\[(.*)\]$")
_SVG_NS = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True, slots=True)
class LearnPage:
    """One Learn page: front matter, Markdown body and its safe HTML rendering."""

    slug: str
    title: str
    summary: str
    order: int
    language: str
    sources: tuple[str, ...]
    diagrams: tuple[str, ...]
    markdown: str
    html: str

    def as_dict(self, *, with_body: bool = True) -> dict[str, object]:
        """The page as a JSON-ready mapping (``with_body=False`` for listings)."""
        out: dict[str, object] = {
            "slug": self.slug, "title": self.title, "summary": self.summary, "order": self.order,
            "language": self.language,
        }
        if with_body:
            out["html"] = self.html
            out["sources"] = [source_reference(s) for s in self.sources]
            out["diagrams"] = [diagram(name, self.language) for name in self.diagrams]
        return out


def _content_root() -> resources.abc.Traversable:
    return resources.files("aatd").joinpath("content")


def _markdown() -> MarkdownIt:
    # "commonmark" with html disabled: raw HTML in a page is escaped, never passed through.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def parse_front_matter(text: str, field: str = "page") -> tuple[dict[str, str | list[str]], str]:
    """Split ``text`` into its front matter (``key: value`` / ``key: [a, b]``) and body."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise InputError(field, text[:40], "a page starting with a '---' front matter block")
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise InputError(field, text[:40], "a front matter block closed by '---'") from None
    meta: dict[str, str | list[str]] = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip().isidentifier():
            raise InputError(f"{field}:{number}", line, "a 'key: value' front matter line")
        value = value.strip()
        match = _LIST.match(value)
        meta[key.strip()] = [v.strip() for v in match.group(1).split(",") if v.strip()] if match else value
    return meta, "\n".join(lines[end + 1:]).strip() + "\n"


def _text(meta: dict[str, str | list[str]], key: str, field: str) -> str:
    value = meta.get(key, "")
    if not isinstance(value, str) or not value:
        raise InputError(f"{field}.{key}", value, "a non-empty text value")
    return value


def _items(meta: dict[str, str | list[str]], key: str) -> tuple[str, ...]:
    value = meta.get(key, [])
    return tuple(value) if isinstance(value, list) else (value,) if value else ()


def parse_page(text: str, language: str = DEFAULT_LANGUAGE, field: str = "page") -> LearnPage:
    """Parse one Markdown page (front matter + body) and render its body to safe HTML."""
    meta, body = parse_front_matter(text, field)
    missing = [k for k in _REQUIRED if k not in meta]
    if missing:
        raise InputError(field, sorted(meta), "front matter with " + ", ".join(_REQUIRED),
                         hint="missing " + ", ".join(missing))
    slug = _text(meta, "slug", field)
    if not _SLUG.match(slug):
        raise InputError(f"{field}.slug", slug, "lower-case words joined by '-'")
    order = _text(meta, "order", field) if "order" in meta else "0"
    if not order.isdigit():
        raise InputError(f"{field}.order", order, "a whole number")
    return LearnPage(
        slug=slug, title=_text(meta, "title", field), summary=_text(meta, "summary", field), order=int(order),
        language=language, sources=_items(meta, "sources"), diagrams=_items(meta, "diagrams"),
        markdown=body, html=_markdown().render(body),
    )


def available_languages() -> tuple[str, ...]:
    """Languages that have a Learn folder (``content/learn/<lang>``)."""
    root = _content_root().joinpath("learn")
    return tuple(sorted(p.name for p in root.iterdir() if p.is_dir() and _LANG.match(p.name)))


def _check_language(language: str) -> str:
    if not isinstance(language, str) or not _LANG.match(language):
        raise InputError("language", language, "a language code such as 'en' or 'pt_BR'")
    return language if language in available_languages() else DEFAULT_LANGUAGE


@cache
def _pages(language: str) -> tuple[LearnPage, ...]:
    folder = _content_root().joinpath("learn", language)
    pages = [parse_page(p.read_text(encoding="utf-8"), language, field=f"learn/{language}/{p.name}")
             for p in folder.iterdir() if p.name.endswith(".md")]
    return tuple(sorted(pages, key=lambda page: (page.order, page.slug)))


def list_pages(language: str = DEFAULT_LANGUAGE) -> list[dict[str, object]]:
    """Every Learn page in reading order (title, slug, summary), falling back to English."""
    return [page.as_dict(with_body=False) for page in _pages(_check_language(language))]


def get_page(slug: str, language: str = DEFAULT_LANGUAGE) -> LearnPage:
    """The page ``slug`` in ``language`` (or English); :class:`InputError` if unknown."""
    lang = _check_language(language)
    pages = {page.slug: page for page in _pages(lang)}
    if slug not in pages and lang != DEFAULT_LANGUAGE:
        pages = {page.slug: page for page in _pages(DEFAULT_LANGUAGE)}
    if slug not in pages:
        raise InputError("slug", slug, "a Learn page: " + ", ".join(sorted(pages)))
    return pages[slug]


def page_dict(slug: str, language: str = DEFAULT_LANGUAGE) -> dict[str, object]:
    """The page ``slug`` as a JSON-ready mapping with HTML, sources and diagrams."""
    return get_page(slug, language).as_dict()


def source_reference(source_id: str) -> dict[str, str]:
    """A source as shown in a page's "Sources" list (citation plus PMID/DOI links)."""
    sources = knowledge().sources
    if source_id not in sources:
        raise InputError("source", source_id, "a source_id listed in sources.csv")
    src = sources[source_id]
    return {"id": src.source_id, "label": src.short, "title": src.title, "citation": src.citation,
            "pmid": src.pmid, "doi": src.doi, "url": src.link}


def diagram_names() -> tuple[str, ...]:
    """The hand-written SVG diagrams shipped in ``content/diagrams``."""
    folder = _content_root().joinpath("diagrams")
    return tuple(sorted(p.name.removesuffix(".svg") for p in folder.iterdir() if p.name.endswith(".svg")))


@cache
def diagram(name: str, language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """``{"name", "title", "description", "svg"}`` for the diagram ``name`` (``diagrams/<lang>/`` if translated)."""
    if name not in diagram_names():
        raise InputError("diagram", name, "a diagram: " + ", ".join(diagram_names()))
    translated = _content_root().joinpath("diagrams", language, f"{name}.svg")
    source = translated if language != DEFAULT_LANGUAGE and translated.is_file() else (
        _content_root().joinpath("diagrams", f"{name}.svg"))
    svg = source.read_text(encoding="utf-8")
    root = ElementTree.fromstring(svg)
    title, desc = root.find(f"{_SVG_NS}title"), root.find(f"{_SVG_NS}desc")
    return {"name": name, "title": (title.text or "") if title is not None else "",
            "description": (desc.text or "") if desc is not None else "", "svg": svg}


def plain_text(page: LearnPage) -> str:
    """The readable text of a page (title, summary and body without Markdown marks).

    This is the text the readability check measures: headings become sentences, list
    markers and emphasis are dropped.
    """
    body = re.sub(r"[*_`#>]", "", page.markdown)
    lines = [re.sub(r"^\s*[-+]\s+", "", line).strip() for line in body.splitlines()]
    sentences = [line if line.endswith((".", "?", "!", ":", ",")) else line + "." for line in lines if line]
    return " ".join([page.title, page.summary, *sentences])


def validate_pages() -> list[str]:
    """Problems found in the Learn pages (unknown sources or diagrams, duplicates); empty if none."""
    problems: list[str] = []
    sources = knowledge().sources
    diagrams = set(diagram_names())
    for language in available_languages():
        seen: set[str] = set()
        for page in _pages(language):
            where = f"learn/{language}/{page.slug}"
            if page.slug in seen:
                problems.append(f"{where}: duplicate slug")
            seen.add(page.slug)
            if not page.sources:
                problems.append(f"{where}: no sources")
            problems += [f"{where}: unknown source {s!r}" for s in page.sources if s not in sources]
            problems += [f"{where}: unknown diagram {d!r}" for d in page.diagrams if d not in diagrams]
    return problems
