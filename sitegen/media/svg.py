"""SVG drawings from articles, made safe to publish.

An SVG is a document, not a picture: opened on its own (a link to it, "open image in new tab") it
runs its scripts with the site's origin and loads whatever it refers to. Drawings that come with
articles are therefore parsed with a parser that reads no DTD, resolves no entity and touches no
network, and written out again keeping only SVG elements and harmless attributes:

- no <script>, <foreignObject> (HTML inside the drawing), <handler>/<listener>, nor any element
  outside the SVG namespace (editor metadata, XHTML); no comments, processing instructions
  (<?xml-stylesheet?>), DOCTYPE or entity declarations;
- no event handlers (on*), no xml:base, no attributes of other namespaces (Inkscape, Sodipodi);
- links (<a href>) only to http(s), mailto, tel, relative or #fragment URLs; every other reference
  (use, image, feImage, gradients, textPath, …) only to a #fragment of the drawing, or for images to
  an embedded raster picture (data:image/png|jpeg|gif|webp|avif;base64);
- animations that would change a link or an event handler (<set attributeName="href" to=…>) are
  removed; in CSS (<style>, style="", fill="url(…)"), @import rules and url()s that leave the
  drawing are removed, and a style sitegen cannot read with certainty (CSS escapes, expression(),
  -moz-binding, image-set()) is dropped.

A file that is not well-formed XML, or is not an SVG drawing, is refused with the line at fault.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from sitegen.media.probe import ImageProblem

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
VERSION = "1"   # bump when the sanitiser's output changes: every published SVG gets a new name

# SVG 1.1 and SVG 2 elements that draw, group, style or describe; nothing that runs code or embeds
# another kind of document.
ELEMENTS = frozenset("""
a animate animateMotion animateTransform circle clipPath defs desc ellipse feBlend feColorMatrix
feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight
feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur feImage feMerge feMergeNode
feMorphology feOffset fePointLight feSpecularLighting feSpotLight feTile feTurbulence filter g image
line linearGradient marker mask metadata mpath path pattern polygon polyline radialGradient rect set
stop style svg switch symbol text textPath title tspan use view
""".split())
ANIMATIONS = frozenset({"animate", "animateMotion", "animateTransform", "set"})
IMAGES = frozenset({"image", "feImage"})
LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|jpg|gif|webp|avif);base64,[A-Za-z0-9+/=\s]*$", re.I)
_CSS_URL = re.compile(r"url\(\s*(\"[^\"]*\"|'[^']*'|[^)]*?)\s*\)", re.I)
_CSS_IMPORT = re.compile(r"@import\b[^;]*;?", re.I)
_CSS_UNSAFE = re.compile(r"\\|expression\s*\(|-moz-binding|behavior\s*:|image-set\s*\(|cross-fade\s*\("
                         r"|\bimage\s*\(|\bsrc\s*\(|javascript:", re.I)
_LENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(px)?\s*$")


@dataclass(frozen=True)
class CleanSvg:
    data: bytes              # the drawing as published (UTF-8 XML)
    width: int | None        # for <img width height>, when the drawing says (px, or its viewBox)
    height: int | None
    removed: int             # elements and attributes taken out (for tests and curious editors)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           attribute_defaults=False, remove_comments=True, remove_pis=True, huge_tree=False,
                           recover=False, strip_cdata=True, remove_blank_text=False)


def sanitize_svg(data: bytes) -> CleanSvg:
    """The safe copy of an SVG file's bytes. Raises ImageProblem (worded to follow "image 'x.svg' …")."""
    if not data.strip():
        raise ImageProblem("is an empty file (0 bytes)" if not data else "is an empty file (only spaces)",
                           "export the drawing again as SVG")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        msg = re.sub(r",? line \d+(, column \d+)?$", "", (exc.msg or str(exc)).strip())
        line, column = (exc.position or (exc.lineno, None))[:2]
        where = f" (line {line}, column {column})" if line and column else f" (line {line})" if line else ""
        raise ImageProblem(f"is not a well-formed SVG drawing: {msg}{where}",
                           "open it in a drawing program (Inkscape, Illustrator) and save it again as plain SVG") from None
    except ValueError as exc:     # e.g. an unknown encoding declaration
        raise ImageProblem(f"is not a well-formed SVG drawing: {exc}",
                           "save it again as plain SVG in UTF-8") from None
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag == "svg":
        raise ImageProblem("is not an SVG drawing browsers show: its <svg> element has no SVG namespace",
                           f'add xmlns="{SVG_NS}" to the <svg> element, or save it again from a drawing program')
    if tag != f"{{{SVG_NS}}}svg":
        name = etree.QName(root).localname if tag else "?"
        raise ImageProblem(f"is not an SVG drawing: its outer element is <{name}>, not <svg>",
                           "check that the right file was saved under this name")
    cleaner = _Cleaner()
    out = cleaner.element(root, None)
    assert out is not None
    etree.cleanup_namespaces(out, top_nsmap={"xlink": XLINK_NS})
    body = etree.tostring(out, encoding="UTF-8", xml_declaration=True)
    width, height = _size(root)
    return CleanSvg(body + b"\n", width, height, cleaner.removed)


class _Cleaner:
    def __init__(self) -> None:
        self.removed = 0

    def element(self, src: etree._Element, parent: etree._Element | None) -> etree._Element | None:
        """Copy `src` under `parent` if it is allowed (its text and tail too); None if dropped."""
        local = _svg_local(src)
        if local is None or local not in ELEMENTS or (local in ANIMATIONS and _unsafe_animation(src)):
            self.removed += 1
            return None
        attrs = self.attributes(src, local)
        if parent is None:
            out = etree.Element(f"{{{SVG_NS}}}{local}", nsmap={None: SVG_NS, "xlink": XLINK_NS})
        else:
            out = etree.SubElement(parent, f"{{{SVG_NS}}}{local}")
        for key, value in attrs:
            out.set(key, value)
        text = src.text or ""
        if local == "style":
            text = self.css("".join(src.itertext())) or ""
            out.text = text or None
            return out
        out.text = text or None
        last: etree._Element | None = None
        for child in src:
            kept = self.element(child, out) if isinstance(child.tag, str) else None
            if kept is None:
                if isinstance(child.tag, str):
                    pass          # counted by element()
                elif not isinstance(child, etree._Comment | etree._ProcessingInstruction):
                    self.removed += 1    # an entity reference: neither resolved nor kept
                tail = child.tail or ""
                if tail:          # the text after a dropped node stays in place
                    if last is None:
                        out.text = (out.text or "") + tail
                    else:
                        last.tail = (last.tail or "") + tail
                continue
            kept.tail = child.tail
            last = kept
        return out

    def attributes(self, src: etree._Element, local: str) -> list[tuple[str, str]]:
        kept = []
        for key, value in src.attrib.items():
            q = etree.QName(key)
            ns, name = q.namespace, q.localname
            if ns not in (None, XLINK_NS, XML_NS) or name.lower().startswith("on") or (ns == XML_NS and name == "base"):
                self.removed += 1
                continue
            if name == "href" and ns in (None, XLINK_NS):
                if not _safe_href(value, local):
                    self.removed += 1
                    continue
            elif name == "style" or "url(" in value.lower() or "javascript:" in _CONTROL.sub("", value).lower():
                cleaned = self.css(value)
                if cleaned is None:
                    self.removed += 1
                    continue
                value = cleaned
            kept.append((key, value))
        return kept

    def css(self, text: str) -> str | None:
        """CSS without @import and without url()s that leave the drawing; None when it cannot be
        read with certainty (escapes, scriptable extensions)."""
        if _CSS_UNSAFE.search(text):
            self.removed += 1
            return None
        text, n = _CSS_IMPORT.subn("", text)
        self.removed += n

        def url(m: re.Match) -> str:
            target = _CONTROL.sub("", m.group(1).strip("\"'"))
            if target.startswith("#") or _DATA_IMAGE.match(target):
                return m.group(0)
            self.removed += 1
            return "none"
        return _CSS_URL.sub(url, text)


def _svg_local(el: etree._Element) -> str | None:
    if not isinstance(el.tag, str):
        return None
    q = etree.QName(el)
    return q.localname if q.namespace == SVG_NS else None


def _safe_href(value: str, local: str) -> bool:
    url = _CONTROL.sub("", value)
    if url.startswith("#"):
        return True
    if local in IMAGES and _DATA_IMAGE.match(url):
        return True
    if local != "a":
        return False     # use, gradients, textPath, images…: nothing from outside the drawing
    m = _SCHEME.match(url)
    return m is None or m.group(1).lower() in LINK_SCHEMES


def _unsafe_animation(el: etree._Element) -> bool:
    """An animation that would set a link or an event handler (or any value holding a script URL)."""
    target = (el.get("attributeName") or "").strip().lower()
    if target.startswith("on") or target.split(":")[-1] in ("href", "base"):
        return True
    values = " ".join(el.get(k) or "" for k in ("to", "from", "values", "by"))
    return "javascript:" in _CONTROL.sub("", values).lower()


def _size(root: etree._Element) -> tuple[int | None, int | None]:
    """The drawing's size in CSS pixels: width and height in px or plain numbers, else its viewBox."""
    w, h = (_LENGTH.match(root.get(k) or "") for k in ("width", "height"))
    if w and h:
        return _px(w.group(1)), _px(h.group(1))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        try:
            bw, bh = float(box[2]), float(box[3])
        except ValueError:
            return None, None
        if bw > 0 and bh > 0:
            if w:   # width given, height from the viewBox's proportions
                pw = _px(w.group(1))
                return pw, max(1, round(pw * bh / bw)) if pw else None
            return max(1, round(bw)), max(1, round(bh))
    return None, None


def _px(text: str) -> int | None:
    value = round(float(text))
    return value if value > 0 else None
