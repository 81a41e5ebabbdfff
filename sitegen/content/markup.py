"""Markdown → safe HTML: Python-Markdown configured once, captioned figures, resolved links.

Every local link and image in a body goes through a `Resolver`, which checks that the file exists
and stays inside the site, and gives the URL it is published at. The HTML is then sanitised with an
allow-list (nh3), so raw HTML in Markdown can never carry scripts, event handlers or foreign iframes.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

import markdown
import nh3
from markdown import inlinepatterns
from markdown.extensions import Extension
from markdown.blockparser import BlockParser
from markdown.blockprocessors import (BlockProcessor, CodeBlockProcessor, EmptyBlockProcessor, HRProcessor,
                                      ListIndentProcessor, OListProcessor, ParagraphProcessor, UListProcessor)
from markdown.extensions.attr_list import AttrListExtension, AttrListTreeprocessor
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension, TableProcessor
from markdown.extensions.toc import TocExtension, TocTreeprocessor
from markdown.preprocessors import HtmlBlockPreprocessor, NormalizeWhitespace
from markdown.treeprocessors import InlineProcessor, Treeprocessor, UnescapeTreeprocessor
from markdown.util import ETX, INLINE_PLACEHOLDER_PREFIX, STX, AtomicString

from sitegen.content.links import LinkProblem, Resolved, Resolver
from sitegen.content.text import slugify

if TYPE_CHECKING:
    from sitegen.model import Picture

DEFAULT_SIZES = "100vw"
_CREDIT_LABEL = re.compile(r"^\s*(ảnh|photo|nguồn|source)\s*[:\-–—]", re.I)


@dataclass
class Rendered:
    html: str
    problems: list[LinkProblem] = field(default_factory=list)
    missing_alt: list[str] = field(default_factory=list)   # images written ![](file) without alt text


_REWRITTEN = frozenset({"img", "table", "th", "a"})


class _Rewrite(Treeprocessor):
    """Resolve local links and images; make lone captioned images figures; keep one h1 per page."""

    resolver: Resolver | None = None
    plain_urls: bool = False     # every href and src is one the sanitiser keeps as it is, no link in a link
    problems: list[LinkProblem]
    missing_alt: list[str]
    credit_label: str = "Ảnh"
    sizes: str = DEFAULT_SIZES

    def run(self, root: etree.Element) -> None:
        self.problems = []
        self.missing_alt = []
        self.plain_urls = True
        resolve = self.resolver
        if next(root.iter("h1"), None) is not None:
            for el in root.iter():
                if el.tag in ("h1", "h2", "h3", "h4", "h5") :
                    el.tag = f"h{int(el.tag[1]) + 1}"
        for parent in list(root.iter()):
            if not len(parent):
                continue
            for i, el in enumerate(list(parent)):
                if el.tag not in _REWRITTEN:
                    continue
                if el.tag == "img":
                    lone = _is_lone(parent, el) and parent.tag == "p" and el.get("alt")
                    if not (el.get("alt") or "").strip():
                        self.missing_alt.append(el.get("src", ""))
                    found = self._image(el, resolve)
                    if found and found.picture is not None:
                        _to_picture(parent, i, el, found.picture, self.sizes)
                    if lone:
                        _to_figure(parent, el, self.credit_label, found)
                elif el.tag == "table":
                    _wrap_table(parent, i, el)
                elif el.tag == "th" and parent.tag == "tr" and "scope" not in el.attrib:
                    el.set("scope", "col")
                elif el.tag == "a" and resolve:
                    href = el.get("href", "")
                    result = resolve(href, False)
                    if isinstance(result, Resolved):
                        el.set("href", result.url)
                    elif isinstance(result, LinkProblem):
                        self.problems.append(result)
                if self.plain_urls and el.tag in ("img", "a"):     # as rewritten above
                    self.plain_urls = _plain_url(el.get("src" if el.tag == "img" else "href", ""))
        if self.plain_urls and any(len(list(a.iter("a"))) > 1 for a in root.iter("a")):
            self.plain_urls = False       # "[[x](a)](b)": a link in a link, which HTML parsers take apart

    def _image(self, el: etree.Element, resolve: Resolver | None) -> Resolved | None:
        el.set("loading", "lazy")
        el.set("decoding", "async")
        if not resolve:
            return None
        result = resolve(el.get("src", ""), True)
        if isinstance(result, Resolved):
            el.set("src", result.url)
            if result.width and result.height:
                el.set("width", str(result.width))
                el.set("height", str(result.height))
            return result
        if isinstance(result, LinkProblem):
            self.problems.append(result)
        return None


_FITTED: dict[tuple, str] = {}     # (sizes, picture) → pic.fit_sizes(sizes): a site has few photos


def _to_picture(parent: etree.Element, index: int, img: etree.Element, pic: "Picture", sizes: str) -> None:
    """<img> → <picture><source type=image/webp srcset sizes>…<img srcset sizes></picture>; `sizes`
    is capped at the picture's width, so a small photo is not stretched to the column."""
    key = (sizes, pic)
    fitted = _FITTED.get(key)
    if fitted is None:
        fitted = _FITTED[key] = pic.fit_sizes(sizes)
        if len(_FITTED) > 4096:
            _FITTED.clear()
    sizes = fitted
    if pic.srcset:
        img.set("srcset", pic.srcset)
        img.set("sizes", sizes)
    if not pic.sources:
        return
    picture = etree.Element("picture")
    for source in pic.sources:
        etree.SubElement(picture, "source", {"type": source.type, "srcset": source.srcset, "sizes": sizes})
    picture.tail, img.tail = img.tail, None
    parent.remove(img)
    picture.append(img)
    parent.insert(index, picture)


def _wrap_table(parent: etree.Element, index: int, table: etree.Element) -> None:
    """Put a table in a box that scrolls sideways on a phone instead of widening the page."""
    wrap = etree.Element("div", {"class": "table-wrap"})
    wrap.tail, table.tail = table.tail, None
    parent.remove(table)
    wrap.append(table)
    parent.insert(index, wrap)


_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})    # the only schemes a body's links may use
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _plain_url(url: str) -> bool:
    """Whether the sanitiser keeps this href or src as it is: no space or control character (which
    a browser drops from a URL, so "java\tscript:" is "javascript:"), and no scheme but an allowed
    one (a relative URL has none)."""
    if " " in url or not url.isprintable():
        return False
    scheme = _SCHEME.match(url)
    return scheme is None or scheme.group()[:-1].lower() in _URL_SCHEMES


def _is_lone(parent: etree.Element, el: etree.Element) -> bool:
    return (len(parent) == 1 and not (parent.text or "").strip() and not (el.tail or "").strip())


def _to_figure(p: etree.Element, img: etree.Element, credit_label: str, found: Resolved | None) -> None:
    """<p><img alt="Caption" title="credit"></p> → <figure class="photo"><img><figcaption>
    <span class="caption">Caption</span> <span class="credit">Ảnh: credit</span></figcaption></figure>,
    as the theme's figure macro writes a front-matter photo. A photo also listed in the front matter
    takes its alt text and credit from there unless the body gives them."""
    caption, credit = img.get("alt", ""), (img.attrib.pop("title", None) or "").strip()
    if found is not None:
        credit = credit or (found.credit or "")
        if found.alt and found.alt != caption:
            img.set("alt", found.alt)
    p.tag = "figure"
    p.set("class", "photo")
    cap = etree.SubElement(p, "figcaption")
    span = etree.SubElement(cap, "span", {"class": "caption"})
    span.text = caption
    if credit:
        span.tail = " "
        credit_span = etree.SubElement(cap, "span", {"class": "credit"})
        credit_span.text = credit if _CREDIT_LABEL.match(credit) or not credit_label else f"{credit_label}: {credit}"


# --- Python-Markdown without the work that cannot change its output ------------------------------
#
# Each class below is a stock processor that skips work only when that work provably changes
# nothing: the HTML is byte for byte what the stock processors write (tests/content/test_markup_fast.py
# renders the same documents both ways).

# What any match of each stock inline pattern must contain, keyed by the pattern's regular expression
# as Python-Markdown 3.11 writes it (another version's different expression is simply not in here).
# A text with none of these strings is left as it is by every pattern and is not searched at all.
_HTML_RE = (r"""(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s"'=<>]++))?+)*+"""
            r"""\s*+/?|!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]|!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)""")
_INLINE_NEEDS: dict[str, tuple[str, ...]] = {
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)": ("`",),                        # backtick
    r"\\(.)": ("\\",),                                                         # escape
    r"(?<!\!)\[": ("[",),                                                      # link, reference
    r"\!\[": ("![",),                                                          # image_link, image_reference
    r"\[\^([^\]]*)\]": ("[^",),                                                # footnote
    r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>": ("<",),                           # autolink
    r"<([^<> !]+@[^@<> ]+)>": ("<",),                                          # automail
    _HTML_RE: ("<",),                                                          # html
    r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)": ("&",),                  # entity
    r"  \n": ("  \n",),                                                        # linebreak
    r"\*|_": ("*", "_"),                                                       # em_strong
}


def _any_of(needles: tuple[str, ...]) -> Callable[[str], bool]:
    """`lambda text: any(n in text for n in needles)`, quicker: a needle of several characters is
    looked for only when its first character is in the text. (`in` looks for one character fast;
    for an ASCII string of two or more in a text with Vietnamese letters it first copies the needle
    into the text's width, then searches: five times the cost.)"""
    groups: dict[str, list[str]] = {}
    for n in needles:
        groups.setdefault(n[0], []).append(n)
    plan = tuple((first, None if first in longer else tuple(longer)) for first, longer in groups.items())

    def found(text: str) -> bool:
        for first, longer in plan:
            if first in text:
                if longer is None:
                    return True
                for n in longer:
                    if n in text:
                        return True
        return False
    return found


class _Inline(InlineProcessor):
    """The stock inline processor; a pattern whose regular expression cannot match a text is not
    applied to it (the stock one tries it, finds nothing and gives the text back unchanged)."""

    def prepare(self) -> None:
        """Called once the extensions have registered their patterns."""
        self._patterns = patterns = list(self.inlinePatterns)
        new_style = [isinstance(p, inlinepatterns.InlineProcessor) for p in patterns]
        self._search = [p.getCompiledRegExp().search if ok else None for p, ok in zip(patterns, new_style)]
        needs = [_INLINE_NEEDS.get(p.pattern) if ok else None for p, ok in zip(patterns, new_style)]
        every = list(dict.fromkeys(n for ns in needs for n in ns or ()))
        every = [n for n in every if not any(m != n and m in n for m in every)]   # "[" covers "![", "[^"
        self._any = _any_of(tuple(every)) if all(needs) else None
        self._needs = [_any_of(ns) if ns else None for ns in needs]

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, AtomicString) or (self._any is not None and not self._any(data)):
            return data
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        patterns, search, needs = self._patterns, self._search, self._needs
        start = 0
        count = len(patterns)
        while patternIndex < count:
            found = search[patternIndex]
            if found is not None and ((needs[patternIndex] is not None and not needs[patternIndex](data))
                                      or found(data, start) is None):
                patternIndex += 1      # what the stock __applyPattern answers when nothing matches
                start = 0
                continue
            data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        """Python-Markdown 3.11's loop, except that a text the patterns left without a placeholder is
        put back as it was (the stock loop splits it at placeholders it does not have, and finds the
        child's index again for every tail)."""
        self.stashed_nodes = {}
        handle = self._InlineProcessor__handleInline
        placeholders = self._InlineProcessor__processPlaceholders  # type: ignore[attr-defined]
        tree_parents = [] if ancestors is None else ancestors[:]
        self.parent_map = {c: p for p in tree.iter() for c in p}
        stack = [(tree, tree_parents)]
        self._InlineProcessor__build_ancestors(tree, tree_parents)  # type: ignore[attr-defined]

        while stack:
            currElement, parents = stack.pop(0)
            self.ancestors = parents
            if currElement is not tree:
                self.ancestors.append(currElement.tag.lower())
            insertQueue = []
            for child in currElement:
                if child.text and not isinstance(child.text, AtomicString):
                    self.ancestors.append(child.tag.lower())
                    text = handle(child.text)
                    if INLINE_PLACEHOLDER_PREFIX in text:
                        child.text = None
                        lst = placeholders(text, child)
                        for item in lst:
                            self.parent_map[item[0]] = child
                        stack += lst
                        insertQueue.append((child, lst))
                    else:
                        child.text = text
                    self.ancestors.pop()
                if child.tail:
                    tail = handle(child.tail)
                    if INLINE_PLACEHOLDER_PREFIX in tail:
                        dumby = etree.Element("d")
                        child.tail = None
                        tailResult = placeholders(tail, dumby, False)
                        if dumby.tail:
                            child.tail = dumby.tail
                        pos = list(currElement).index(child) + 1
                        tailResult.reverse()
                        for newChild in tailResult:
                            self.parent_map[newChild[0]] = currElement
                            currElement.insert(pos, newChild[0])
                    else:
                        child.tail = tail if type(tail) is not AtomicString else AtomicString(tail)
                if len(child):
                    self.parent_map[child] = currElement
                    stack.append((child, self.ancestors[:]))

            for element, lst in insertQueue:
                for i, obj in enumerate(lst):
                    element.insert(i, obj[0])
        return tree


# Block processors whose test (or, for reference and footnote definitions, whose run) searches the
# block with one of these expressions, as Python-Markdown 3.11 writes them: no match is possible in
# a block without one of the strings, and then the processor passes the block on untouched.
_BLOCK_NEEDS: dict[str, tuple[str, ...]] = {
    r"(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)": ("#",),   # hashheader
    r"^.*?\n(?:=+|-+)[ ]*(\n|$)": ("\n=", "\n-"),                                            # setextheader
    r"^[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))(?P=atomicgroup)[ ]*$":
        ("--", "- -", "-  -", "__", "_ _", "_  _", "**", "* *", "*  *"),                      # hr
    r"(^|\n)[ ]{0,3}>[ ]?(.*)": (">",),                                                      # quote
    r"^[ ]{0,3}\[\^([^\]]*)\]:[ ]*(.*)$": ("[^",),                                            # footnote
    r"""^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?((["\'])(.*)\4[ ]*|\((.*)\)[ ]*)?$""":
        ("]:",),                                                                             # reference
}


def _block_needs(proc: BlockProcessor) -> tuple[str, ...] | None:
    if isinstance(proc, TableProcessor) and type(proc).test is TableProcessor.test:
        return ("|",)          # a table's header row has a cell border or separator
    rx = getattr(proc, "SEARCH_RE", None) if isinstance(proc, HRProcessor) else getattr(proc, "RE", None)
    return _BLOCK_NEEDS.get(getattr(rx, "pattern", None)) if type(proc).__module__.startswith("markdown.") else None


def _gate(proc: BlockProcessor, needs: tuple[str, ...]):
    test, has = proc.test, _any_of(needs)

    def gated(parent: etree.Element, block: str) -> bool:
        return has(block) and test(parent, block)
    return gated


# A block that starts with none of these characters is no list item, code block or blank; with none
# of the strings the other processors need either, it can only be a paragraph.
_NOT_PLAIN_START = " \n*+-"
_NEVER_SAYS_NO_TO_PLAIN = (EmptyBlockProcessor, ListIndentProcessor, CodeBlockProcessor)


def _says_no_to_plain(proc: BlockProcessor) -> bool:
    """Whether the processor's test is false for a block starting with none of _NOT_PLAIN_START (nor
    a digit) — on top of what _block_needs says."""
    kind = type(proc)
    if kind in _NEVER_SAYS_NO_TO_PLAIN or kind.__module__ == "markdown.extensions.sane_lists":
        return kind.test in (EmptyBlockProcessor.test, ListIndentProcessor.test, CodeBlockProcessor.test,
                             OListProcessor.test, UListProcessor.test) and (
            not isinstance(proc, (OListProcessor, UListProcessor))
            or proc.RE.pattern in (r"^[ ]{0,3}\d+\.[ ]+(.*)", r"^[ ]{0,3}[*+-][ ]+(.*)"))
    return False


def _fast_parser(parser: BlockParser) -> None:
    """The stock block loop over a list of processors made once (the registry sorts itself into a new
    list for every block), with each processor's test skipped where it could only say no, and a
    plain paragraph handed to the paragraph processor at once."""
    procs, plain = [], []
    listed = list(parser.blockprocessors)
    for proc in listed:
        needs = _block_needs(proc)
        procs.append((proc.test if needs is None else _gate(proc, needs), proc.run))
        if needs is not None:
            plain.extend(needs)
        elif not _says_no_to_plain(proc) and proc is not listed[-1]:
            plain = None
            break
    last = listed[-1] if listed else None
    if type(last) is not ParagraphProcessor:
        plain = None
    needles = tuple(dict.fromkeys(plain)) if plain is not None else None
    special = _any_of(needles) if needles is not None else None
    paragraph = last.run if last is not None else None

    def parseBlocks(parent: etree.Element, blocks: list[str]) -> None:
        while blocks:
            block = blocks[0]
            if (special is not None and block and block[0] not in _NOT_PLAIN_START and not block[0].isdecimal()
                    and not special(block)):
                paragraph(parent, blocks)
                continue
            for test, run in procs:
                if test(parent, blocks[0]):
                    if run(parent, blocks) is not False:
                        break
    parser.parseBlocks = parseBlocks  # type: ignore[method-assign]
    parser._sitegen_plain = needles   # type: ignore[attr-defined]


class _NormalizeWhitespace(NormalizeWhitespace):
    """The stock normalisation, each step only when the text has what it changes."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines)
        if STX in source or ETX in source:
            source = source.replace(STX, "").replace(ETX, "")
        if "\r" in source:
            source = source.replace("\r\n", "\n").replace("\r", "\n")
        source += "\n\n"
        if "\t" in source:
            source = source.expandtabs(self.md.tab_length)
        if " \n" in source:
            source = re.sub(r"(?<=\n) +\n", "\n", source)
        return source.split("\n")


def _remember_block_level(md: markdown.Markdown) -> None:
    """md.is_block_level answers from a dict (the stock one searches a list of ~50 names, and the
    prettifier asks for every element). The list is set by the extensions, before this is called."""
    stock = md.is_block_level
    known: dict = {}

    def is_block_level(tag) -> bool:
        try:
            return known[tag]
        except KeyError:
            answer = stock(tag)
            if len(known) < 1024:     # raw HTML may bring any tag name
                known[tag] = answer
            return answer
        except TypeError:
            return stock(tag)
    md.is_block_level = is_block_level  # type: ignore[method-assign]


class _HtmlBlock(HtmlBlockPreprocessor):
    """Raw HTML blocks start with "<" (and the stock parser rewrites nothing without "<" or "&")."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines)
        if "<" not in source and "&" not in source:
            return source.split("\n")
        return super().run(lines)


class _Toc(TocTreeprocessor):
    """Header ids as the stock toc extension gives them; the table of contents itself (md.toc, which
    sitegen does not use) is only built when the text has the [TOC] marker it would replace."""

    source: str | None = None

    def _marker(self) -> bool:
        src = self.source     # (the first preprocessor drops \x02 and \x03, which may join a marker)
        marker = self.marker
        return bool(marker) and (src is None or (marker[0] in src and marker in src) or "\x02" in src or "\x03" in src)

    def build_toc_div(self, toc_list: list) -> etree.Element:
        return super().build_toc_div(toc_list) if self._marker() else etree.Element("div")

    def replace_marker(self, root: etree.Element, elem: etree.Element) -> None:
        if self._marker():
            super().replace_marker(root, elem)


class _TocExtension(TocExtension):
    TreeProcessorClass = _Toc


class _AttrList(AttrListTreeprocessor):
    """Attribute lists are written {…}: a text without "{" has none."""

    source: str | None = None

    def run(self, doc: etree.Element) -> None:
        if self.source is None or "{" in self.source:
            super().run(doc)


class _Unescape(UnescapeTreeprocessor):
    """Backslash escapes are the only thing to undo, and a text without a backslash has none."""

    source: str | None = None

    def run(self, root: etree.Element) -> None:
        if self.source is None or "\\" in self.source:
            super().run(root)


def _replace(registry, name: str, item) -> None:
    """Put `item` in the place of the processor registered as `name` (same priority, same order)."""
    order = list(registry._data)
    priority = registry._priority[registry.get_index_for_name(name)].priority
    registry.register(item, name, priority)
    registry._sort()
    assert [i.name for i in registry._priority] == [i.name for i in sorted(
        registry._priority, key=lambda i: i.priority, reverse=True)] and set(order) == set(registry._data)


class _SitegenExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        proc = _Rewrite(md)
        md.treeprocessors.register(proc, "sitegen_rewrite", 1)
        md._sitegen = proc  # type: ignore[attr-defined]


_TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map", "center", "acronym", "strike", "tt"} | {"iframe", "section",
                                                                                   "picture", "source"}
_ATTRS: dict[str, set[str]] = {k: set(v) for k, v in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRS["*"] = {"id", "class", "title", "lang", "dir"}
_ATTRS["img"] = {"src", "alt", "width", "height", "loading", "decoding", "srcset", "sizes"}
_ATTRS["source"] = {"srcset", "sizes", "type", "media", "width", "height"}
_ATTRS["a"] = {"href", "hreflang", "role"}
_ATTRS["iframe"] = {"src", "width", "height", "allowfullscreen", "loading"}
_ATTRS["th"] = _ATTRS.get("th", set()) | {"scope"}
_ATTRS["sup"] = {"id"}
_ATTRS["ol"] = {"start", "reversed", "type"}
_ATTRS["time"] = {"datetime"}
# Markdown without any of these characters has no raw HTML, entity, attribute list, backslash escape
# or table in it, so Python-Markdown writes every element and attribute itself, escaped, and only
# from tags the sanitiser allows: the sanitiser would give its HTML back unchanged once every link
# and image URL is plain (checked by _Rewrite) and Python-Markdown wrote no character reference
# (footnotes do, and the sanitiser writes them its own way). Such a body skips it (~65 µs of ~350).
# (">": the sanitiser writes it unescaped in attribute values; U+00A0: it writes &nbsp;. A body with
# the table-of-contents marker goes through it too: "[[TOC]](x)" puts the table inside a <p>.)
_NEEDS_SANITISER = re.compile(r"[<>&\\{|\x00-\x08\x0b-\x1f\x7f\xa0]")
_EMPTY_IFRAME = re.compile(r"<iframe(?![^>]*\ssrc=)[^>]*>.*?</iframe>", re.S)


def _attribute_filter(iframe_hosts: tuple[str, ...]) -> Callable[[str, str, str], str | None]:
    def keep(tag: str, attr: str, value: str) -> str | None:
        if tag == "iframe" and attr == "src":
            u = urlsplit(value)
            return value if u.scheme == "https" and (u.hostname or "") in iframe_hosts else None
        return value
    return keep


class MarkdownRenderer:
    """One configured Python-Markdown instance per process, reset between documents."""

    def __init__(self, iframe_hosts: tuple[str, ...] = (), image_sizes: str = DEFAULT_SIZES, *, fast: bool = True):
        """`fast=False` keeps Python-Markdown's stock processors (the tests compare the two)."""
        self._ext = _SitegenExtension()
        self.image_sizes = image_sizes
        toc = _TocExtension if fast else TocExtension
        # Extensions as objects, not names: a name is looked up among the installed packages' entry
        # points first, which reads the metadata of every installed distribution (~30 ms a process).
        self.md = markdown.Markdown(
            extensions=[TableExtension(), AttrListExtension(),
                        FootnoteExtension(BACKLINK_TITLE="", SUPERSCRIPT_TEXT="{}"), SaneListExtension(),
                        toc(slugify=lambda value, sep: slugify(value) or "muc", toc_depth="2-6"), self._ext],
            output_format="html")
        self._knows_source: list = []
        self._toc_marker = "\x00"
        if fast:
            tree = self.md.treeprocessors
            inline = _Inline(self.md)
            _replace(tree, "inline", inline)
            inline.prepare()
            _fast_parser(self.md.parser)
            _replace(self.md.preprocessors, "normalize_whitespace", _NormalizeWhitespace(self.md))
            _replace(self.md.preprocessors, "html_block", _HtmlBlock(self.md))
            _remember_block_level(self.md)
            _replace(tree, "attr_list", _AttrList(self.md))
            _replace(tree, "unescape", _Unescape(self.md))
            self._knows_source = [tree["toc"], tree["attr_list"], tree["unescape"]]
            self._toc_marker = tree["toc"].marker or "\x00"    # "[TOC]": it may put the table in a <p>
        self.iframe_hosts = iframe_hosts
        self.cleaner = nh3.Cleaner(
            tags=_TAGS, attributes=_ATTRS, attribute_filter=_attribute_filter(iframe_hosts),
            clean_content_tags={"script", "style", "object", "embed", "template", "svg", "math"},
            url_schemes=set(_URL_SCHEMES), link_rel=None, strip_comments=True)
        self.fast = fast

    def render(self, text: str, resolver: Resolver | None = None, credit_label: str = "Ảnh") -> Rendered:
        """`credit_label` prefixes a figure's credit (the image title) unless it has a label already."""
        proc: _Rewrite = self.md._sitegen  # type: ignore[attr-defined]
        proc.resolver = resolver
        proc.credit_label = credit_label
        proc.sizes = self.image_sizes
        proc.problems, proc.missing_alt = [], []   # a blank text runs no processor at all
        proc.plain_urls = False
        for p in self._knows_source:
            p.source = text
        try:
            html = self.md.reset().convert(text)
        finally:
            proc.resolver = None
            for p in self._knows_source:
                p.source = None
        if (self.fast and proc.plain_urls and _NEEDS_SANITISER.search(text) is None
                and ("&" not in html or "&#" not in html)
                and (self._toc_marker[0] not in text or self._toc_marker not in text)):
            return Rendered(html, list(proc.problems), list(proc.missing_alt))
        html = self.cleaner.clean(html)
        if "<iframe" in html:
            html = _EMPTY_IFRAME.sub("", html)
        return Rendered(html, list(proc.problems), list(proc.missing_alt))
