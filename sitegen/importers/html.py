"""A saved HTML article page → ImportedPage.

The headline, the date line ("14/03/2024 09:25 Số lượt xem: 1.207"), the bold sapo, "Nguồn: …" and a
closing author line are found around the headline; menus, header, sidebars, footer, counter widgets,
share tools and related-news lists are dropped; readability-lxml picks the article body from what
is left and markdownify turns it into Markdown. Photos become figures with their captions (from
<figure>/<figcaption>, the one-image tables old portal editors make, or the short centred or italic
line under the image); a photo is at hand when the saved page's files folder holds it.
"""
from __future__ import annotations

import re
from datetime import timezone, tzinfo
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
from lxml import etree
from markdownify import markdownify
from readability import Document

from sitegen.content.dates import DateError, parse_date
from sitegen.content.text import fold
from sitegen.importers.encoding import PageError, decode
from sitegen.importers.page import (IMAGE_EXTS, DateLine, Figure, ImportedPage, author_line, date_line,
                                    find_views, same_text, source_line, specific_url, split_credit,
                                    views_only)

_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "form", "input",
              "select", "button", "textarea", "svg", "canvas", "video", "audio", "map", "link", "meta")
_FURNITURE_TAGS = ("nav", "header", "footer", "aside")
_FURNITURE = re.compile(
    r"(?:^|[\s_-])(?:menu|mainmenu|topmenu|nav|navbar|navigation|sidebar|side-bar|footer|header|banner|"
    r"breadcrumbs?|counter|thongke|thong-ke|statistics?|visitors?|online|related|lienquan|lien-quan|"
    r"tinlienquan|tinkhac|tin-khac|othernews|other-news|morenews|share|social|sharing|comments?|binhluan|"
    r"tools?|toolbar|print|search|timkiem|advert|ads|quangcao|quang-cao|col-right|right-col|rightcol|"
    r"colright|left-col|widget|weblinks?|lienket|lien-ket|copyright|login|pagination|paging)(?:$|[\s_-])", re.I)
_SAPO = re.compile(r"(?:^|[\s_-])(?:sapo|summary|lead|description|desc|tomtat|tom-tat|intro|abstract|chapeau|"
                   r"teaser|excerpt)(?:$|[\s_-])", re.I)
_TITLE_CLASS = re.compile(r"(?:^|[\s_-])(?:title|tieu-?de|headline|heading)(?:$|[\s_-])", re.I)
_CAPTION_CLASS = re.compile(r"caption|chu-?thich|note|desc|legend", re.I)
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)\s*(\S+?)\s*-->", re.I)
_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_MARK = "SITEGENFIGURE"
_MARK_RE = re.compile(rf"{_MARK}(\d{{4}})")
_MIN_ARTICLE = 200       # characters of text outside links: less than this is not an article
_BLOCKS = ("p", "div", "center", "td", "li", "section", "article", "blockquote", "figure", "table", "h2",
           "h3", "h4", "h5", "h6")


def read_html_page(data: bytes, path: Path, rel: str, tz: tzinfo) -> ImportedPage:
    m = _CHARSET.search(data[:4096])
    decoded = decode(data, rel, m.group(1).decode("ascii", "replace") if m else None)
    notes = list(decoded.notes)
    text = decoded.text
    try:
        doc = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        raise PageError(rel, None, "not an HTML page: no document could be read",
                        "save the article's page from the browser as 'Web page, complete' (.html)") from None
    meta = _meta(doc)
    saved = _SAVED_FROM.search(text[:2000])
    page_url = _http(saved.group(1) if saved else None) or _http(meta.get("canonical")) or _http(meta.get("og:url"))
    for el in list(doc.iter(*_DROP_TAGS)):
        _drop(el)
    title_el, title = _find_title(doc, meta)
    when, date_el = _find_date(doc, title_el, tz, rel, meta)
    sapo_el = _find_sapo(doc, title_el)
    source, source_el = _find_source(doc, title_el)
    views, views_el = (when.views if when else None), None
    if when is not None and views is None:
        views_el = next((el for el in doc.iter() if isinstance(el.tag, str) and _short(el, 80)
                         and views_only(_text(el)) and not _in_furniture(el)), None)
        views = find_views(_text(views_el)) if views_el is not None else None
    _remove_furniture(doc, title_el)
    for el in (title_el, date_el, sapo_el, source_el, views_el):
        if el is not None and _short(el):
            _drop(el)
    figures = _mark_figures(doc, path, page_url)
    body = _body(doc, rel)
    summary = _text(sapo_el) if sapo_el is not None else ""
    author, body = _take_author(body)
    if source is None:
        source, body = _take_source(body)
    if not summary:
        summary, body = _take_first_paragraph(body)
    for p in list(_paragraphs(body)):
        if views_only(_text(p)):
            views = views if views is not None else find_views(_text(p))
            _drop(p)
    _fix_links(body, page_url)
    prose = len(_MARK_RE.sub("", _text(body))) - sum(len(_text(a)) for a in body.iter("a")) + len(summary)
    if prose < _MIN_ARTICLE:
        raise PageError(rel, None, "no article in this page: it has no body of text under a headline",
                        "save the article's own page, with its title, date and text, "
                        "not a list, home or error page")
    if not title:
        raise PageError(rel, None, "no headline found for the article",
                        "the page needs its title in a heading (<h1>, <h2>) or in <meta property=\"og:title\">")
    if when is None:
        raise PageError(rel, None, "no date line under the headline",
                        "the page should show the date as the portal printed it, e.g. '10/01/2023 14:18'")
    blocks = _blocks(body, figures)
    src_name, src_url = source if source else (None, None)
    if specific_url(page_url) and not specific_url(src_url):
        src_url = page_url          # the old portal's page: identifies the article when re-imported
    return ImportedPage(input=path, rel=rel, title=title, date=when.date, views=views, summary=summary,
                        blocks=blocks, source_name=src_name, source_url=src_url, author=author, notes=notes)


# --- small helpers -------------------------------------------------------------------------------

def _text(el) -> str:
    return re.sub(r"\s+", " ", el.text_content() if el is not None else "").strip()


def _short(el, limit: int = 400) -> bool:
    return len(_text(el)) <= limit


def _drop(el) -> None:
    """Remove an element but keep its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _http(url: str | None) -> str | None:
    if url and urlsplit(url.strip()).scheme in ("http", "https"):
        return url.strip()
    return None


def _meta(doc) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in doc.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").lower()
        if key and m.get("content") and key not in out:
            out[key] = m.get("content").strip()
    for link in doc.iter("link"):
        if "canonical" in (link.get("rel") or "").lower() and link.get("href"):
            out.setdefault("canonical", link.get("href"))
    t = doc.find(".//title")
    if t is not None:
        out["title"] = _text(t)
    return out


def _classes(el) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _in_furniture(el) -> bool:
    for anc in el.iterancestors():
        if anc.tag in _FURNITURE_TAGS or _FURNITURE.search(_classes(anc)):
            if anc.tag not in ("html", "body"):
                return True
    return False


def _after(doc, el, limit: int):
    """Up to `limit` elements after `el` in document order (not its descendants' containers)."""
    seen = False
    count = 0
    for x in doc.iter():
        if x is el:
            seen = True
            continue
        if seen and not isinstance(x, etree._Comment) and isinstance(x.tag, str):
            count += 1
            if count > limit:
                return
            yield x


# --- headline, date, sapo, source ----------------------------------------------------------------

def _find_title(doc, meta: dict[str, str]):
    og = meta.get("og:title") or meta.get("twitter:title") or ""
    page_title = meta.get("title", "")
    best, best_score = None, 0
    for el in doc.iter("h1", "h2", "h3", "h4", "div", "p", "span", "a"):
        if el.tag in ("div", "p", "span", "a") and not _TITLE_CLASS.search(_classes(el)):
            continue
        text = _text(el)
        if not 8 <= len(text) <= 400:
            continue
        score = 0
        if og and (same_text(text, og) or fold(og).startswith(fold(text)) and len(text) > 20):
            score += 4
        if page_title and fold(text) in fold(page_title) and len(text) > 15:
            score += 2
        if any(_is_date_line(_text(x)) for x in _after(doc, el, 12) if _short(x, 160)):
            score += 3
        if el.tag in ("h1", "h2"):
            score += 1
        if _in_furniture(el):
            score -= 4
        if score > best_score:
            best, best_score = el, score
    if best is not None and best_score >= 3:
        return best, _text(best)
    if og:
        return None, _strip_site_name(og, meta)
    if best is not None and best_score > 0:
        return best, _text(best)
    return None, ""


def _is_date_line(text: str) -> bool:
    try:
        return date_line(text, timezone.utc, "", None) is not None
    except PageError:
        return True     # a date line with an impossible date: reported when the date is read


def _strip_site_name(title: str, meta: dict[str, str]) -> str:
    site = meta.get("og:site_name")
    for sep in (" | ", " - ", " – ", " — "):
        if sep in title:
            head, tail = title.rsplit(sep, 1)
            if site and same_text(tail, site) or len(tail) < len(head) / 2:
                return head.strip()
    return title.strip()


def _find_date(doc, title_el, tz: tzinfo, rel: str, meta: dict[str, str]):
    """The date line after the headline (else before it), else the page's published-time metadata."""
    scopes = []
    if title_el is not None:
        scopes.append(list(_after(doc, title_el, 60)))
        before, ancestors = [], set(title_el.iterancestors())
        for x in doc.iter():
            if x is title_el:
                break
            if isinstance(x.tag, str) and x not in ancestors:
                before.append(x)
        scopes.append(before[-30:][::-1])
    else:
        scopes.append([x for x in doc.iter() if isinstance(x.tag, str) and not _in_furniture(x)])
    for n, scope in enumerate(scopes):
        for el in scope:
            text = _text(el)
            if not text or len(text) > 160 or _in_furniture(el):
                continue
            found = date_line(text, tz, rel, None)
            if found and (n == 0 or re.search(r"\d[:h]\d\d", text)):
                if not re.search(r"\d[:h]\d\d", text):      # a day without its time: the markup may have it
                    exact = _machine_date(el, meta, tz)
                    if exact and exact.astimezone(tz).date() == found.date.date():
                        found = DateLine(exact, found.views, found.text)
                if found.views is None:
                    found = DateLine(found.date, _views_near(doc, el), found.text)
                return found, el
    exact = _machine_date(None, meta, tz)
    if exact is None:
        times = [t for t in doc.iter("time") if t.get("datetime") and not _in_furniture(t)]
        exact = _machine_date(times[0], {}, tz) if times else None
    return (DateLine(exact, None, ""), None) if exact else (None, None)


def _machine_date(el, meta: dict[str, str], tz: tzinfo):
    """A publication time written for machines: <time datetime>, or the page's metadata."""
    values = []
    if el is not None:
        values += [t.get("datetime") for t in (el, *el.iter("time")) if t.get("datetime")]
    values += [meta[k] for k in ("article:published_time", "datepublished", "pubdate", "date", "dc.date.issued",
                                 "dc.date") if meta.get(k)]
    for value in values:
        for text in (value.strip(), value.strip().replace("T", " ")[:16]):
            try:
                return parse_date(text, tz)
            except DateError:
                continue
    return None


def _views_near(doc, el) -> int | None:
    for x in _after(doc, el, 6):
        if _short(x, 80):
            v = find_views(_text(x))
            if v is not None:
                return v
    return None


def _find_sapo(doc, title_el):
    scope = _after(doc, title_el, 40) if title_el is not None else doc.iter()
    for el in scope:
        if not isinstance(el.tag, str) or el.tag in ("html", "body"):
            continue
        if _SAPO.search(_classes(el)) and not _in_furniture(el) and 30 <= len(_text(el)) <= 1000:
            return el
    return None


def _find_source(doc, title_el):
    scope = _after(doc, title_el, 100000) if title_el is not None else doc.iter()
    for el in scope:
        if not isinstance(el.tag, str) or _in_furniture(el):
            continue
        text = _text(el)
        if len(text) <= 200:
            found = source_line(text)
            if found:
                return found, el
    return None, None


def _remove_furniture(doc, title_el) -> None:
    keep = set(title_el.iterancestors()) if title_el is not None else set()
    for el in list(doc.iter()):
        if not isinstance(el.tag, str) or el in keep or el.tag in ("html", "body"):
            continue
        if el.getparent() is None:
            continue
        if el.tag in _FURNITURE_TAGS or (_FURNITURE.search(_classes(el)) and _little_prose(el)):
            _drop(el)


def _little_prose(el) -> bool:
    """Furniture is short or mostly links; a class like "print-area" around the article is not."""
    text = len(_text(el))
    links = sum(len(_text(a)) for a in el.iter("a"))
    return text - links < 600 or links > text / 2


# --- photos --------------------------------------------------------------------------------------

def _mark_figures(doc, path: Path, page_url: str | None) -> dict[int, Figure]:
    """Replace each photo (and its caption) with a marker paragraph; return the figures by number."""
    figures: dict[int, Figure] = {}
    for img in list(doc.iter("img")):
        if img.getparent() is None or _tiny(img):
            if img.getparent() is not None:
                _drop(img)
            continue
        src = (img.get("src") or img.get("data-src") or img.get("data-original") or "").strip()
        container, caption = _container_and_caption(img)
        caption, credit = split_credit(caption or img.get("title") or _alt(img) or "")
        n = len(figures) + 1
        figures[n] = Figure(caption=caption, credit=credit, file=_local_file(src, path),
                            original=_original(src, page_url))
        marker = lxml.html.Element("p")
        marker.text = f"{_MARK}{n:04d}"
        if container is img:
            block = _block_ancestor(img)
            _drop(img)
            block.addnext(marker) if block.getparent() is not None else block.append(marker)
        else:
            marker.tail = container.tail
            container.getparent().replace(container, marker)
    return figures


def _tiny(img) -> bool:
    src = (img.get("src") or "").lower()
    if any(w in src for w in ("spacer", "blank.gif", "pixel", "icon", "logo", "banner")):
        return True
    for attr in ("width", "height"):
        v = re.match(r"\s*(\d+)", img.get(attr) or "")
        if v and int(v.group(1)) < 60:
            return True
    return False


def _alt(img) -> str:
    alt = (img.get("alt") or "").strip()
    if re.fullmatch(r"[\w-]+\.(jpe?g|png|gif|webp)|ảnh|image|img|photo|\d+", alt, re.I):
        return ""
    return alt


def _block_ancestor(el):
    for anc in el.iterancestors():
        if anc.tag in _BLOCKS or anc.tag == "body":
            return anc
    return el.getparent()


def _container_and_caption(img):
    """The element that holds the photo and its caption, and the caption's text."""
    for anc in img.iterancestors():
        if anc.tag == "figure":
            cap = anc.find(".//figcaption")
            return anc, _text(cap) if cap is not None else ""
        if anc.tag == "table":
            rows = anc.findall(".//tr")
            if len(list(anc.iter("img"))) == 1 and len(rows) <= 4 and len(_text(anc)) <= 300:
                return anc, _text(anc)
            break
        if anc.tag in ("div", "li", "body", "article", "section"):
            break
    block = _block_ancestor(img)
    if block is None or block.tag in ("body", "td", "li"):
        return img, ""
    own = _text(block)
    if len(list(block.iter("img"))) != 1:
        return img, ""
    if own and len(own) <= 250:
        return block, own                        # <p><img><br><em>caption</em></p>
    if own:
        return img, ""                           # a photo inside a long paragraph: keep the paragraph
    nxt = block.getnext()
    if nxt is not None and isinstance(nxt.tag, str) and not list(nxt.iter("img")):
        cap = _text(nxt)
        style = (nxt.get("style") or "").replace(" ", "").lower()
        styled = (_CAPTION_CLASS.search(_classes(nxt)) or "text-align:center" in style
                  or (len(nxt) and nxt[0].tag in ("em", "i") and not (nxt.text or "").strip()))
        if cap and len(cap) <= 250 and (styled or (len(cap) <= 120 and not cap.endswith((".", ":", ";")))):
            wrapper = lxml.html.Element("div")
            block.addprevious(wrapper)
            wrapper.append(block)
            tail, nxt.tail = nxt.tail, None
            wrapper.append(nxt)
            wrapper.tail = tail
            return wrapper, cap
    return block, ""


def _local_file(src: str, page: Path) -> Path | None:
    if not src or src.startswith("data:"):
        return None
    u = urlsplit(src)
    candidates = []
    if not u.scheme and not src.startswith("//"):
        candidates.append(page.parent / unquote(u.path))
    name = unquote(Path(u.path).name)
    if name:
        candidates += [page.with_name(page.stem + "_files") / name, page.with_suffix("") / name]
    for c in candidates:
        try:
            if c.is_file() and c.suffix.lower() in IMAGE_EXTS:
                return c
        except OSError:
            continue
    return None


def _original(src: str, page_url: str | None) -> str | None:
    if not src or src.startswith("data:"):
        return None
    if page_url and not urlsplit(src).scheme and not src.startswith("./"):
        return urljoin(page_url, src)
    return src


# --- body ----------------------------------------------------------------------------------------

def _body(doc, rel: str):
    html = lxml.html.tostring(doc, encoding="unicode")
    try:
        summary = Document(html).summary(html_partial=True)
    except Exception:   # readability raises its own Unparseable and lxml errors on odd input
        raise PageError(rel, None, "no article in this page: its text could not be read",
                        "save the article's own page from the browser as 'Web page, complete' (.html)") from None
    frag = lxml.html.fragment_fromstring(summary, create_parent="div")
    for el in list(frag.iter()):
        if isinstance(el.tag, str) and el is not frag and el.getparent() is not None and \
                (_FURNITURE.search(_classes(el)) and _short(el, 600)):
            _drop(el)
    return frag


def _paragraphs(body):
    """Leaf text blocks of the body, in order."""
    for el in body.iter("p", "div", "h2", "h3", "h4", "li", "td", "blockquote"):
        if any(c.tag in ("p", "div", "table", "ul", "ol") for c in el.iterdescendants()):
            continue
        if _text(el):
            yield el


def _take_author(body):
    paras = [p for p in _paragraphs(body) if not _MARK_RE.fullmatch(_text(p))]
    if not paras:
        return None, body
    last = paras[-1]
    text = _text(last)
    who = author_line(text)
    if who is None and len(text) <= 60 and len(text.split()) <= 8 and not text.endswith((".", "!", "?", ":", ";")):
        style = (last.get("style") or "").replace(" ", "").lower()
        bold = len(last) == 1 and last[0].tag in ("strong", "b") and not (last.text or "").strip()
        if "text-align:right" in style or last.get("align") == "right" or bold or \
                re.search(r"author|tacgia|tac-gia", _classes(last), re.I):
            who = text
    if who:
        _drop(last)
    return who, body


def _take_source(body):
    for p in list(_paragraphs(body))[::-1][:4]:
        found = source_line(_text(p))
        if found:
            _drop(p)
            return found, body
    return None, body


def _take_first_paragraph(body):
    for p in _paragraphs(body):
        text = _text(p)
        if _MARK_RE.fullmatch(text) or p.tag not in ("p", "div"):
            continue
        if len(text) < 40:
            continue
        _drop(p)
        return text, body
    return "", body


def _fix_links(body, page_url: str | None) -> None:
    """Links to the old portal's pages: made absolute when the page's address is known, else unlinked."""
    for a in list(body.iter("a")):
        href = (a.get("href") or "").strip()
        target = urljoin(page_url, href) if page_url and href else href
        scheme = urlsplit(target).scheme.lower()
        if scheme in ("http", "https", "mailto", "tel") and not href.startswith("#"):
            a.attrib.clear()
            a.set("href", target)
        else:
            a.drop_tag()


def _blocks(body, figures: dict[int, Figure]) -> list[str | Figure]:
    html = lxml.html.tostring(body, encoding="unicode")
    md = markdownify(html, heading_style="ATX", bullets="-", strip=["img", "span", "font"])
    md = re.sub(r"[ \t\u00a0]+\n", "\n", md)
    md = re.sub(r"\n{3,}", "\n\n", md)
    out: list[str | Figure] = []
    pos = 0
    for m in _MARK_RE.finditer(md):
        chunk = md[pos:m.start()].strip()
        if chunk:
            out.append(chunk)
        out.append(figures[int(m.group(1))])
        pos = m.end()
    tail = md[pos:].strip()
    if tail:
        out.append(tail)
    return out
