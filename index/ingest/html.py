"""Newsroom web pages (`.html`, `.htm`): one article per page, its furniture left out.

Model: the page is parsed by an HTML5 parser (selectolax's Lexbor), never
read with patterns. The headline is the page's `<h1>` (the one in `<main>`
or an `<article>` first), else `og:title`, else `<title>`; the URL is
`<link rel="canonical">`, else `og:url`, else the address a browser wrote
when it saved the page. The article's region is the `<article>` holding
the headline, else `<main>`, else `<body>`. Inside it the page's furniture
is dropped: scripts, forms, navigation, asides, the site's header and
footer, and every element whose class or id names a cookie banner, share
buttons, related links, press contacts, menus or breadcrumbs. The newsroom
parts of docs/FORMAT.md are then read where the page marks them: taxonomy
lists (a container whose class says tags, topics, taxonomy… with labelled
links), speaker cards (a `speaker` or `person` element with a name and a
role, or schema.org's Person), quote blocks (`<blockquote>`, a `quote`
element, a figure holding one) whose speakers the SAME `attribution` rules
as Markdown find. What is left is walked in document order: runs of
inline content between block elements are paragraphs; a date-only or
type-only paragraph before the body, a `<time>`, or a `meta` element's
items give the date and type. Files inside a browser's "Save page as…"
folder (`page_files/` beside `page.html`) are the page's parts, not
articles: they yield nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from pressearch.errors import ArticleParseError
from pressearch.index.ingest.attribution import Attributor, split_quote
from pressearch.index.ingest.cleaning import clean, tidy
from pressearch.index.ingest.dates import date_line, date_value
from pressearch.index.ingest.identity import article_id, is_absolute_url, source_host
from pressearch.index.ingest.names import SENTINEL, looks_like_name
from pressearch.index.ingest.parsed import ParsedFile
from pressearch.models import Article, Quote, Speaker
from pressearch.vocabulary import facet_name

# Never text: gone before anything is read.
_JUNK = (
    "script, style, noscript, template, svg, canvas, iframe, object, embed, form, button, "
    "input, select, textarea, dialog, nav, aside, [hidden], [aria-hidden=true], "
    "[role=navigation], [role=complementary], [role=search], [role=banner], "
    "[role=contentinfo], [role=dialog], [role=alertdialog]"
)
# Words of a class or id that name page furniture, not the article.
_FURNITURE_WORDS = frozenset(
    """cookie cookies consent gdpr share sharing sharer social socialmedia related breadcrumb
    breadcrumbs menu navbar navigation sidebar newsletter subscribe subscription contact
    contacts skip pagination pager toolbar advert advertisement promo feedback rating comments
    langswitcher""".split()
)
# Whole class tokens for text meant for screen readers ("Share on X").
_FURNITURE_TOKENS = frozenset(
    """sr-only visually-hidden screen-reader-text element-invisible header footer site-header
    site-footer page-footer masthead""".split()
)
_TAXONOMY_WORDS = frozenset({"taxonomy", "tags", "taglist", "topics", "keywords", "categories"})
_SPEAKER_WORDS = frozenset({"speaker", "spokesperson", "person"})
_QUOTE_WORDS = frozenset({"quote", "pullquote", "blockquote"})
_ATTRIBUTION_WORDS = frozenset({"author", "attribution", "cite", "source", "speaker"})
_META_WORDS = frozenset(
    {"meta", "metadata", "byline", "dateline", "date", "dateofissue", "pubdate", "published"}
)
_TYPE_WORDS = frozenset({"type", "kind", "genre"})
_NAME_WORDS = frozenset({"name", "fn"})
_ROLE_WORDS = frozenset({"role", "position", "function", "job", "jobtitle", "title"})
_LABEL_WORDS = frozenset({"label", "title", "heading"})
# A card's parts (`speaker__name`, `speaker__photo`) are not cards.
_CARD_PARTS = (
    _NAME_WORDS | _ROLE_WORDS | frozenset({"photo", "image", "img", "picture", "portrait"})
)
# Elements whose content is part of the line around them.
_INLINE = frozenset(
    """a abbr b bdi bdo cite code data del dfn em font i ins kbd mark q s samp small span
    strong sub sup time u var wbr img label""".split()
)
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "dcterms.issued",
    "dc.date.issued",
    "dcterms.date",
    "dc.date",
    "date",
    "publication_date",
    "article:modified_time",
)
_TYPE_META = ("dcterms.type", "dc.type")
# Types newsrooms print above a headline; read only before the body starts.
_KNOWN_TYPES = frozenset(
    """press release|news|news article|statement|speech|event|publication|daily news|
    announcement|media advisory|read-out|readout|questions and answers|news release|
    joint statement|op-ed|interview|factsheet|photo release""".replace("\n", "").split("|")
)
_MAX_TYPE_WORDS = 5
# `<!-- saved from url=(0042)https://… -->`, which browsers write into a saved page.
_SAVED_FROM_RE = re.compile(r"\s*saved from url=\(\d+\)(\S+)\s*")
_META_SEPARATORS = re.compile(r"\s[,|·•]\s?|,\s")
_LABELLED = re.compile(r"\s*\w+:")
_SAVED_PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")


def read_html(text: str, *, path: str, rel_path: str) -> ParsedFile:
    """The page's one article (nothing for a saved page's part), or the error that stopped it."""
    if in_saved_page_folder(path):
        return ParsedFile(())
    try:
        return ParsedFile((parse_html(text, path=path, rel_path=rel_path),))
    except ArticleParseError as exc:
        return ParsedFile((), (exc,))


def in_saved_page_folder(path: str) -> bool:
    """Whether `path` lies in `NAME_files/` beside `NAME.html`: a browser-saved page's parts."""
    folder = os.path.dirname(os.path.abspath(path))
    while True:
        parent, name = os.path.split(folder)
        if name.endswith("_files") and any(
            os.path.isfile(os.path.join(parent, name[: -len("_files")] + suffix))
            for suffix in _SAVED_PAGE_SUFFIXES
        ):
            return True
        if parent == folder:
            return False
        folder = parent


def html_paragraphs(markup: str) -> list[str]:
    """The text of an HTML fragment (a feed entry's content) as paragraphs, markup gone."""
    doc = LexborHTMLParser(markup)
    root = doc.body
    if root is None:
        return []
    _drop(root, root.css(_JUNK))
    walk = _Walk(newsroom=False)
    walk.visit(root)
    walk.flush()
    return walk.body


@dataclass
class _Walk:
    """Paragraphs, quotes and header facts found walking the article's region in order."""

    newsroom: bool
    headline: LexborNode | None = None
    cards: list[Speaker] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    date: dt.date | None = None
    type: str | None = None
    _run: list[str] = field(default_factory=list)
    _attributor: Attributor | None = None
    _after_para: bool = False

    def visit(self, node: LexborNode) -> None:
        """Walk `node`'s content in document order (a stack, not recursion: pages nest deep)."""
        stack = [node.iter(include_text=True)]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                self.flush()  # a block element ends its paragraph
                continue
            tag = child.tag or ""
            if tag == "-text":
                self._run.append(child.text_content or "")
            elif tag in _INLINE:
                if not (tag == "time" and self._header_time(child)):
                    self._run.append(child.text(separator=""))
            elif not tag.startswith("-"):  # comments are not text
                self.flush()
                if self._enter(child):
                    stack.append(child.iter(include_text=True))

    def _enter(self, node: LexborNode) -> bool:
        """Read a newsroom part the block `node` is, or say it is a container to walk into."""
        if not self.newsroom:
            return True
        if self.headline is not None and node.mem_id == self.headline.mem_id:
            return False
        words = _words(node)
        if (
            node.tag == "blockquote"
            or words & _QUOTE_WORDS
            or (node.tag == "figure" and node.css_first("blockquote") is not None)
        ):
            self._quote(node)
        elif words & _META_WORDS:
            self._meta(node)
        elif words & _TYPE_WORDS and self.type is None and (kind := _type_text(_text(node))):
            self.type = kind
        else:
            return True
        return False

    def flush(self) -> None:
        text = tidy(clean("".join(self._run)))
        self._run.clear()
        if not text:
            return
        if self.newsroom and not self.body and not self.quotes:
            # Before the body: a line that is only a date or a type is the header's.
            if self.date is None and (found := date_line(text)):
                self.date = found
                return
            if self.type is None and text.lower() in _KNOWN_TYPES:
                self.type = text
                return
        self.body.append(text)
        self.history.append(text)
        self._after_para = True

    def _header_time(self, node: LexborNode) -> bool:
        """Take a `<time>` before the body as the date; False when it is body text."""
        if not self.newsroom or self.body or self.date is not None:
            return False
        self.date = date_value(node.attributes.get("datetime") or "") or date_line(_text(node))
        return self.date is not None

    def _meta(self, node: LexborNode) -> None:
        """A metadata line (type, date, place): its date and type; the rest is not body."""
        for item in node.traverse(include_text=False):
            if self.date is None and item.tag == "time":
                self.date = date_value(item.attributes.get("datetime") or "")
            typed = bool(_words(item) & _TYPE_WORDS)
            # `Type: Press release, Date: 03.11.2022`: items apart, each without its label.
            for piece in _META_SEPARATORS.split(_text(item)):
                text = piece.partition(":")[2].strip() if _LABELLED.match(piece) else piece.strip()
                if not text or len(text) > 60:
                    continue
                if self.date is None and (found := date_line(text)):
                    self.date = found
                elif self.type is None and (
                    text.lower() in _KNOWN_TYPES or (typed and _type_text(text))
                ):
                    self.type = text

    def _quote(self, node: LexborNode) -> None:
        """A quote block: speech in its paragraphs, its speaker by the attribution rules."""
        parts = [
            n
            for n in node.css("footer, cite, figcaption, [class]")
            if n.tag in ("footer", "cite", "figcaption") or _words(n) & _ATTRIBUTION_WORDS
        ]
        outer = _outermost(parts)
        attribution = [said for p in outer if (said := _text(p))]
        for part in outer:
            part.decompose()
        paragraphs = [_text(p) for p in node.css("p")] or [_text(node)]
        speech: list[str] = []
        clauses: list[str] = []
        for para in filter(None, paragraphs):
            segments, rest = split_quote(para)
            if segments:
                speech.append(" ".join(segments))
            clauses.append(rest)
        if not speech:
            return
        clause = f" {SENTINEL} ".join([*clauses, *attribution])
        lead_in = self.body[-1] if self._after_para and self.body else None
        if not any(ch.isalpha() for ch in clause) and lead_in and lead_in.endswith(":"):
            clause = lead_in
        if self._attributor is None:
            self._attributor = Attributor(self.cards, self.history)
        speaker = self._attributor.speaker(clause)
        self._attributor.record(speaker)
        self.quotes.append(Quote("\n\n".join(speech), speaker))
        self.history.extend(speech)
        self._after_para = False


def parse_html(text: str, *, path: str, rel_path: str) -> Article:
    """Read one newsroom page; raise ArticleParseError when it holds no article."""
    doc = LexborHTMLParser(text)
    url = _canonical_url(doc)
    ld = _json_ld(doc)
    h1 = _headline_node(doc)
    headline = tidy(clean(h1.text(separator=""))) if h1 is not None else ""
    headline = headline or _meta_content(doc, "og:title") or ld.get("headline", "")
    if not headline and (title := doc.css_first("title")) is not None:
        headline = _text(title)
    if not headline:
        raise ArticleParseError(path, "no headline (no <h1>, og:title or <title>)")
    root = _region(doc, h1)
    for br in root.css("br"):
        br.replace_with(" ")
    keep = _ancestors(h1)
    _drop(root, root.css(_JUNK), keep)
    _drop(root, (n for n in root.traverse(include_text=False) if _is_furniture(n)), keep)
    taxonomy = _taxonomy(root)
    walk = _Walk(newsroom=True, headline=h1, history=[headline])
    walk.cards.extend(_speaker_cards(root))
    # The site's header and footer; not a quote's footer, nor the headline's header.
    _drop(
        root,
        (
            n
            for n in root.css("header, footer")
            if n.mem_id not in keep and not _has_ancestor(n, ("blockquote", "figure"))
        ),
        keep,
    )
    walk.visit(root)
    walk.flush()
    if not walk.body and not walk.quotes:
        raise ArticleParseError(path, "no body text (no paragraphs outside the page's furniture)")
    date = _meta_date(doc, ld) or walk.date
    kind = walk.type or next(filter(None, (_meta_content(doc, n) for n in _TYPE_META)), None)
    return Article(
        id=article_id(url, rel_path),
        path=path,
        headline=headline,
        body="\n\n".join(walk.body),
        url=url,
        source=source_host(url),
        date=date,
        type=kind,
        speakers=tuple(walk.cards),
        quotes=tuple(walk.quotes),
        taxonomy=taxonomy,
    )


def _text(node: LexborNode) -> str:
    """One line of a node's text: control characters gone, whitespace runs collapsed."""
    return tidy(clean(node.text(separator=" ")))


def _words(node: LexborNode) -> frozenset[str]:
    """The lower-case words of a node's class and id (`ecl-page-header__meta` → ecl, page, …)."""
    attrs = node.attributes
    value = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
    return frozenset(re.split(r"[^a-z0-9]+", value)) - {""}


def _is_furniture(node: LexborNode) -> bool:
    if node.tag in ("html", "body", "main", "article"):
        return False
    words = _words(node)
    attrs = node.attributes
    tokens = frozenset(f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower().split())
    return bool(words & _FURNITURE_WORDS or tokens & _FURNITURE_TOKENS)


def _drop(
    root: LexborNode, nodes: Iterable[LexborNode], keep: frozenset[int] = frozenset()
) -> None:
    """Remove `nodes` from the tree, except `root` and the headline's ancestors (`keep`).

    Only the outermost go: removing one frees the elements inside it.
    """
    wanted = [n for n in nodes if n.mem_id != root.mem_id and n.mem_id not in keep]
    for node in _outermost(wanted):
        node.decompose()


def _ancestors(node: LexborNode | None) -> frozenset[int]:
    """The ids of `node` and every element holding it: never furniture."""
    ids: set[int] = set()
    while node is not None:
        ids.add(node.mem_id)
        node = node.parent
    return frozenset(ids)


def _has_ancestor(node: LexborNode, tags: tuple[str, ...]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.parent
    return False


def _headline_node(doc: LexborHTMLParser) -> LexborNode | None:
    """The article's `<h1>`: in `<main>` or an `<article>` first, else one outside the header."""
    for selector in ("main h1", "[role=main] h1", "article h1"):
        if (found := doc.css_first(selector)) is not None and _text(found):
            return found
    for h1 in doc.css("h1"):
        if _text(h1) and not _has_ancestor(h1, ("header", "nav")):
            return h1
    return None


def _region(doc: LexborHTMLParser, h1: LexborNode | None) -> LexborNode:
    """The article's region: the `<article>` holding the headline, else `<main>`, else `<body>`."""
    node = h1.parent if h1 is not None else None
    while node is not None:
        if node.tag == "article":
            return node
        node = node.parent
    for selector in ("main", "[role=main]"):
        if (found := doc.css_first(selector)) is not None:
            return found
    body = doc.body
    if body is None:
        raise ArticleParseError("", "no body")
    return body


def _meta_content(doc: LexborHTMLParser, name: str) -> str | None:
    for meta in doc.css("meta"):
        attrs = meta.attributes
        key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or ""
        if key.lower() == name and (content := tidy(clean(attrs.get("content") or ""))):
            return content
    return None


def _json_ld(doc: LexborHTMLParser) -> dict[str, str]:
    """The text fields (`headline`, `datePublished`…) of the page's schema.org article, if any."""
    for script in doc.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(script.text() or "null")
        except ValueError:
            continue
        if isinstance(data, dict):
            data = data.get("@graph", [data])
        for item in data if isinstance(data, list) else ():
            if isinstance(item, dict) and ("headline" in item or "datePublished" in item):
                return {k: tidy(clean(v)) for k, v in item.items() if isinstance(v, str)}
    return {}


def _canonical_url(doc: LexborHTMLParser) -> str | None:
    """The page's address: canonical link, `og:url`, else where a browser saved it from."""
    candidates = [
        link.attributes.get("href") or ""
        for link in doc.css("link[rel]")
        if "canonical" in (link.attributes.get("rel") or "").lower().split()
    ]
    candidates.append(_meta_content(doc, "og:url") or "")
    # The note stands before `<html>` (or, in older browsers, inside it).
    top = doc.root.parent if doc.root is not None else None
    for node in top.traverse(include_text=True) if top is not None else ():
        if node.tag == "-comment" and (m := _SAVED_FROM_RE.fullmatch(node.comment_content or "")):
            candidates.append(m.group(1))
            break
    for candidate in candidates:
        url = tidy(clean(candidate))
        if url and is_absolute_url(url):
            return url
    return None


def _meta_date(doc: LexborHTMLParser, ld: dict[str, str]) -> dt.date | None:
    for name in _DATE_META:
        if (value := _meta_content(doc, name)) and (found := date_value(value)):
            return found
    return date_value(ld["datePublished"]) if ld.get("datePublished") else None


def _type_text(text: str) -> str | None:
    return text if text and len(text.split()) <= _MAX_TYPE_WORDS else None


def _taxonomy(root: LexborNode) -> dict[str, tuple[str, ...]]:
    """Labelled link lists (`Crime areas: Cybercrime • Fraud`) as facets; removed from the page."""
    found: dict[str, list[str]] = {}
    containers = [n for n in root.traverse(include_text=False) if _words(n) & _TAXONOMY_WORDS]
    outer = _outermost(containers)
    for container in outer:
        label = container.attributes.get("aria-label") or ""
        if not label and (before := container.prev) is not None:
            while before is not None and before.tag == "-text" and not _text(before):
                before = before.prev
            if before is not None and before.tag in _HEADINGS:
                label = _text(before)
                before.decompose()
        label = label or next(iter(sorted(_words(container) & _TAXONOMY_WORDS)))
        has_links = container.css_first("a") is not None
        for node in container.traverse(include_text=False):
            if (
                node.tag in _HEADINGS
                or node.tag in ("dt", "th", "caption", "legend")
                or (_words(node) & _LABEL_WORDS and node.css_first("a") is None and node.tag != "a")
            ):
                label = _text(node).rstrip(":").strip() or label
            elif (node.tag == "a" if has_links else node.tag in ("li", "dd")) and (
                value := _text(node)
            ):
                bucket = found.setdefault(facet_name(label), [])
                if value not in bucket:
                    bucket.append(value)
        container.decompose()
    return {name: tuple(values) for name, values in found.items() if values}


def _outermost(nodes: list[LexborNode]) -> list[LexborNode]:
    """`nodes` (in document order) without those inside another of them."""
    inside = _inside(nodes, {n.mem_id for n in nodes})
    return [n for n, held in zip(nodes, inside, strict=True) if not held]


def _inside(nodes: list[LexborNode], marks: set[int]) -> list[bool]:
    """For each node, whether an element holding it is in `marks` (linear: answers are shared)."""
    known: dict[int, bool] = {}
    answers = []
    for node in nodes:
        path: list[int] = []
        parent = node.parent
        answer = False
        while parent is not None:
            if parent.mem_id in marks:
                answer = True
                break
            if parent.mem_id in known:
                answer = known[parent.mem_id]
                break
            path.append(parent.mem_id)
            parent = parent.parent
        for seen in path:
            known[seen] = answer
        answers.append(answer)
    return answers


def _innermost(nodes: list[LexborNode]) -> list[LexborNode]:
    """`nodes` without those holding another of them."""
    holding: set[int] = set()
    for node in nodes:
        parent = node.parent
        while parent is not None and parent.mem_id not in holding:
            holding.add(parent.mem_id)
            parent = parent.parent
    return [n for n in nodes if n.mem_id not in holding]


def _speaker_cards(root: LexborNode) -> list[Speaker]:
    """Speaker cards (a `speaker`/`person` element, or schema.org Person): name and role."""
    cards: list[Speaker] = []
    nodes = list(root.traverse(include_text=False))
    quotes = {
        n.mem_id for n in nodes if n.tag in ("blockquote", "figure") or _words(n) & _QUOTE_WORDS
    }
    marked = [
        n
        for n in nodes
        if (
            _words(n) & _SPEAKER_WORDS
            or (n.attributes.get("itemtype") or "").rstrip("/").endswith("schema.org/Person")
        )
        and not _words(n) & _CARD_PARTS
    ]
    # A person named in a quote block is its attribution, not a card.
    marked = [n for n, quoted in zip(marked, _inside(marked, quotes), strict=True) if not quoted]
    # The innermost marked elements are the cards (a `speakers` list holds several).
    leaves = _innermost(marked)
    for card in leaves:
        name_node = next(
            (
                n
                for n in card.traverse(include_text=False)
                if n is not card
                and (_words(n) & _NAME_WORDS or n.attributes.get("itemprop") == "name")
            ),
            None,
        ) or card.css_first("strong, b, h2, h3, h4, h5, h6")
        if name_node is None or not looks_like_name(name := _text(name_node)):
            continue
        role_node = next(
            (
                n
                for n in card.traverse(include_text=False)
                if n is not card
                and n.mem_id != name_node.mem_id
                and (_words(n) & _ROLE_WORDS or n.attributes.get("itemprop") == "jobTitle")
            ),
            None,
        )
        if role_node is not None:
            role = _text(role_node)
        else:
            name_node.decompose()
            role = _text(card)
        cards.append(Speaker(name, role))
        card.decompose()
    return cards
