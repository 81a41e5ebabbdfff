"""Markdown → safe HTML: extensions, captioned figures, one h1 per page, and the sanitiser."""
from __future__ import annotations

import re

import lxml.html
import pytest
from hypothesis import given, settings, strategies as st

from sitegen.content.markup import LinkProblem, MarkdownRenderer, Resolved

MD = MarkdownRenderer()


def html(text: str, resolver=None, renderer=MD) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(renderer.render(text, resolver).html, create_parent="div")


def test_tables_have_header_cells_with_scope():
    doc = html("| Loại | Số |\n|---|---|\n| Nghị định | 9 |\n")
    assert [(th.text, th.get("scope")) for th in doc.xpath("//th")] == [("Loại", "col"), ("Số", "col")]
    assert [td.text for td in doc.xpath("//td")] == ["Nghị định", "9"]


def test_attribute_lists():
    doc = html("Đoạn văn.\n{: .ghi-chu #doan-1 }\n")
    [p] = doc.xpath("//p")
    assert p.get("class") == "ghi-chu" and p.get("id") == "doan-1"


def test_footnotes():
    doc = html("Câu có chú thích.[^a]\n\n[^a]: Nội dung chú thích.\n")
    ref = doc.xpath("//sup//a")[0]
    target = doc.xpath(f'//*[@id="{ref.get("href")[1:]}"]')
    assert target and "Nội dung chú thích." in target[0].text_content()


def test_headings_get_ascii_ids():
    doc = html("## Kết quả nổi bật năm 2023\n")
    assert doc.xpath("//h2/@id") == ["ket-qua-noi-bat-nam-2023"]


def test_an_h1_in_the_body_is_demoted_so_the_title_stays_the_only_h1():
    doc = html("# Tiêu đề phụ\n\n## Mục\n")
    assert not doc.xpath("//h1")
    assert [h.tag for h in doc.xpath("//h2|//h3")] == ["h2", "h3"]


def test_a_lone_captioned_image_becomes_a_figure():
    doc = html('![Quang cảnh Hội nghị](anh.jpg "Thu Hà")\n')
    [fig] = doc.xpath("//figure")
    assert fig.xpath("./img/@alt") == ["Quang cảnh Hội nghị"]
    assert fig.xpath("./figcaption/span[@class='caption']/text()") == ["Quang cảnh Hội nghị"]
    assert fig.xpath("./figcaption/span[@class='credit']/text()") == ["Ảnh: Thu Hà"]
    assert not fig.xpath("./img/@title")


def test_a_credit_gets_the_label_once():
    doc = html('![Quang cảnh](anh.jpg "Ảnh: Thu Hà")\n')
    assert doc.xpath("//figcaption/span[@class='credit']/text()") == ["Ảnh: Thu Hà"]
    en = lxml.html.fragment_fromstring(MD.render('![View](a.jpg "Thu Ha")\n', None, "Photo").html,
                                       create_parent="div")
    assert en.xpath("//figcaption/span[@class='credit']/text()") == ["Photo: Thu Ha"]


def test_an_image_inside_text_stays_inline():
    doc = html("Biểu tượng ![logo](logo.png) trong câu.\n")
    assert not doc.xpath("//figure") and doc.xpath("//p/img")


def test_resolver_rewrites_local_images_and_links_and_collects_problems():
    seen = []

    def resolve(target, is_image):
        seen.append((target, is_image))
        if target == "thieu.jpg":
            return LinkProblem(target, "image", "does not exist", "check it")
        if target == "anh.jpg":
            return Resolved("/tin-tuc/2024/01/bai/anh.jpg", 640, 480)
        if target == "bai-khac.md":
            return Resolved("/tin-tuc/2024/02/bai-khac/")
        return None

    rendered = MD.render("![Ảnh](anh.jpg)\n\n![Thiếu](thieu.jpg)\n\n[Bài khác](bai-khac.md) và "
                         "[ngoài](https://example.vn/)\n", resolve)
    doc = lxml.html.fragment_fromstring(rendered.html, create_parent="div")
    img = doc.xpath('//img[@alt="Ảnh"]')[0]
    assert (img.get("src"), img.get("width"), img.get("height")) == ("/tin-tuc/2024/01/bai/anh.jpg", "640", "480")
    assert doc.xpath("//a/@href") == ["/tin-tuc/2024/02/bai-khac/", "https://example.vn/"]
    assert [p.target for p in rendered.problems] == ["thieu.jpg"]
    assert ("anh.jpg", True) in seen and ("bai-khac.md", False) in seen


def test_renderer_is_reset_between_documents():
    MD.render("Câu.[^1]\n\n[^1]: Chú thích một.\n")
    assert "Chú thích một" not in MD.render("Bài khác.\n").html


# --- the sanitiser ---------------------------------------------------------------------------------

PAYLOADS = [
    '<script>alert("x")</script>',
    '<SCRIPT SRC=https://evil.example.com/x.js></SCRIPT>',
    '<img src="a.png" onerror="alert(1)">',
    '<p onclick="alert(1)">bấm</p>',
    '<a href="javascript:alert(1)">bấm</a>',
    '<a href="  JaVaScRiPt:alert(1)">bấm</a>',
    '<a href="jav&#x09;ascript:alert(1)">bấm</a>',
    '[bấm](javascript:alert(1))',
    '<iframe src="https://evil.example.com/"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="x.swf"></object>',
    '<embed src="x.swf">',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<math><mtext><script>alert(1)</script></mtext></math>',
    '<style>body{display:none}</style>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<form action="https://evil.example.com/"><input name="q"></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example.com/">',
    '<base href="https://evil.example.com/">',
    '<link rel="stylesheet" href="https://evil.example.com/x.css">',
    '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
    '<details open ontoggle="alert(1)">x</details>',
    '<!-- <script>alert(1)</script> -->',
    '<template><script>alert(1)</script></template>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
]


def assert_safe(fragment: str) -> None:
    doc = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for el in doc.iter():
        if not isinstance(el.tag, str):
            assert not isinstance(el, lxml.html.HtmlComment), "comments are stripped"
            continue
        assert el.tag not in ("script", "iframe", "object", "embed", "svg", "math", "style", "form", "input",
                              "meta", "base", "link", "template", "noscript"), el.tag
        for attr, value in el.attrib.items():
            assert not attr.lower().startswith("on"), f"<{el.tag} {attr}>"
            assert attr.lower() not in ("style", "srcdoc", "formaction"), f"<{el.tag} {attr}>"
            if attr.lower() in ("href", "src", "action", "data"):
                assert not re.match(r"\s*(javascript|vbscript|data):", re.sub(r"[\x00-\x20]", "", value), re.I)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_dangerous_html_is_removed(payload):
    out = MD.render(f"Đoạn trước.\n\n{payload}\n\nĐoạn sau.\n").html
    assert_safe(out)
    assert "Đoạn trước." in out and "Đoạn sau." in out


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PAYLOADS + ["Chữ thường", "**đậm**", "<b>", "</p>", "<div>", "\n\n", "`mã`",
                                            "<abbr title=x>", "> trích dẫn", "| a |\n|---|\n| b |"]),
                min_size=1, max_size=8))
def test_any_mix_of_payloads_stays_safe(parts):
    assert_safe(MD.render("".join(parts)).html)


def test_harmless_html_is_kept():
    doc = html('<abbr title="Ủy ban nhân dân">UBND</abbr> và <table><tr><th>A</th></tr><tr><td>1</td></tr></table>'
               '\n\n<p lang="en" class="ghi-chu">English</p>')
    assert doc.xpath("//abbr/@title") == ["Ủy ban nhân dân"]
    assert doc.xpath("//th/text()") == ["A"] and doc.xpath("//td/text()") == ["1"]
    assert doc.xpath('//p[@lang="en"][@class="ghi-chu"]')


def test_iframes_only_from_allowed_hosts():
    md = MarkdownRenderer(("www.youtube-nocookie.com",))
    out = md.render('<iframe src="https://www.youtube-nocookie.com/embed/x"></iframe>\n\n'
                    '<iframe src="https://evil.example.com/"></iframe>\n\n'
                    '<iframe src="http://www.youtube-nocookie.com/embed/y"></iframe>\n').html
    assert out.count("<iframe") == 1 and "youtube-nocookie.com/embed/x" in out
    assert "evil" not in out and "embed/y" not in out
    assert "<iframe" not in MD.render('<iframe src="https://www.youtube-nocookie.com/embed/x"></iframe>').html
