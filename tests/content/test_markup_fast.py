"""The fast Markdown renderer writes exactly what Python-Markdown's stock processors write.

MarkdownRenderer skips work that cannot change the output (inline patterns that cannot match a
text, block tests that can only say no, the table of contents nobody reads, …). Every document here
is rendered both ways, with a resolver that answers links, sized images and pictures, and the HTML,
the link problems and the images without alt text must be the same.
"""
from __future__ import annotations

import re
import types
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from sitegen.content import markup
from sitegen.content.markup import LinkProblem, MarkdownRenderer, Resolved
from sitegen.model import ImageSource, Picture

FAST = MarkdownRenderer(("www.youtube.com",), "(min-width: 60em) 52rem, 100vw")
STOCK = MarkdownRenderer(("www.youtube.com",), "(min-width: 60em) 52rem, 100vw", fast=False)


def _reference_rewrite(self, root) -> None:
    """sitegen's own tree processor as first written: one plain walk over every element."""
    self.problems = []
    self.missing_alt = []
    resolve = self.resolver
    if any(el.tag == "h1" for el in root.iter()):
        for el in root.iter():
            if el.tag in ("h1", "h2", "h3", "h4", "h5"):
                el.tag = f"h{int(el.tag[1]) + 1}"
    for parent in list(root.iter()):
        for i, el in enumerate(list(parent)):
            if el.tag == "img":
                lone = markup._is_lone(parent, el) and parent.tag == "p" and el.get("alt")
                if not (el.get("alt") or "").strip():
                    self.missing_alt.append(el.get("src", ""))
                found = self._image(el, resolve)
                if found and found.picture is not None:
                    markup._to_picture(parent, i, el, found.picture, self.sizes)
                if lone:
                    markup._to_figure(parent, el, self.credit_label, found)
            elif el.tag == "table":
                markup._wrap_table(parent, i, el)
            elif el.tag == "th" and parent.tag == "tr" and "scope" not in el.attrib:
                el.set("scope", "col")
            elif el.tag == "a" and resolve:
                result = resolve(el.get("href", ""), False)
                if isinstance(result, Resolved):
                    el.set("href", result.url)
                elif isinstance(result, LinkProblem):
                    self.problems.append(result)


STOCK.md._sitegen.run = types.MethodType(_reference_rewrite, STOCK.md._sitegen)

PIC = Picture("/media/anh-1200x800.abc.jpg", 1200, 800, "/media/anh-480x320.abc.jpg 480w, /media/anh-1200x800.abc.jpg 1200w",
              (ImageSource("image/webp", "/media/anh-480x320.abc.webp 480w"),))


def resolver(target: str, is_image: bool):
    if not target or target.startswith(("#", "http:", "https:", "mailto:")):
        return None
    if "thieu" in target:
        return LinkProblem(target, "image" if is_image else "link", "does not exist", "check the file name")
    if target.endswith(".md"):
        return Resolved("/tin-tuc/" + target[:-3] + "/")
    if "anh" in target:
        return Resolved(PIC.url, PIC.width, PIC.height, picture=PIC, alt="Ảnh từ front matter",
                        credit="Thu Hà" if "credit" in target else None)
    if is_image:
        return Resolved("/files/" + target, 640, 480)
    return Resolved("/files/" + target)


def same(text: str) -> None:
    for res in (None, resolver):
        a, b = FAST.render(text, res), STOCK.render(text, res)
        assert (a.html, a.problems, a.missing_alt) == (b.html, b.problems, b.missing_alt), text


CASES = [
    "",
    "   \n\n  ",
    "Chữ thường, không có gì đặc biệt.",
    "Dòng một  \nDòng hai có ngắt dòng.\nDòng ba.",
    "**đậm** *nghiêng* ***cả hai*** __gạch__ _dưới_ snake_case_name 2*3*4",
    "* * *\n\n- - -\n\n___\n\n-  -  -\n\nChữ -- gạch -- ngang -",
    "Tiêu đề\n=======\n\nTiêu đề phụ\n-----------\n\nĐoạn\n- không phải danh sách",
    "# Một\n\n## Hai ##\n\n### Ba {: #ba .lop }\n\n#### Bốn\n\n##### Năm\n\n###### Sáu\n\n## Hai\n\n## Hai",
    "## Kết quả & \"trích dẫn\" <b>đậm</b>\n\n## Mục `mã` *nghiêng*",
    "[TOC]\n\n## Mục một\n\n### Mục con\n\n## Mục hai",
    "Đoạn [TOC] trong câu.\n\n## Mục",
    "[TO\x02C]\n\n## Mục",
    "Đoạn văn.\n{: .ghi-chu #doan-1 }\n\n![Ảnh](anh.jpg){: .rong }\n\n[liên kết](bai.md){: target=_blank }",
    "| Loại | Số |\n|---|---:|\n| Nghị định | 9 |\n| Thông tư | 12 |",
    "Loại | Số\n--- | ---\nA | 1",
    "| Một cột |\n| --- |\n| a |",
    "a | b không phải bảng",
    "> Trích dẫn\n> dòng hai\n>\n> > lồng nhau\n\nSau đó > dấu lớn hơn",
    "1. một\n2. hai\n    * con\n    * con\n3. ba\n\n* a\n* b\n\n- c\n+ d",
    "3. bắt đầu từ ba\n4. bốn\n\nĐoạn\n\n        mã thụt lề\n        dòng hai\n\n    mã",
    "Câu có chú thích.[^a] Và nữa.[^b]\n\n[^a]: Nội dung chú thích.\n[^b]: Hai.\n    Tiếp tục.\n\nSau.",
    "Chú thích [^khong-co] không định nghĩa, và [^a].\n\n[^a]: Có.",
    "[Cổng][1] và [chính phủ][] và [tham chiếu]\n\n[1]: https://example.gov.vn/ \"Tiêu đề\"\n"
    "[chính phủ]: <https://chinhphu.vn>\n[tham chiếu]: bai-khac.md",
    "![Ảnh tham chiếu][a] ![a]\n\n[a]: anh.jpg",
    "<https://example.gov.vn/a?b=c&d=e> và <thu@example.gov.vn> và <không phải>",
    "Thực thể &amp; &copy; &#169; &#xA9; & không; &khongco; a&b",
    "Văn bản <span class=\"x\">nội tuyến</span> <!-- chú thích --> <br/> </p>",
    "<div class=\"hop\">\n<p>HTML khối</p>\n</div>\n\nSau khối.",
    "<script>alert(1)</script>\n\n<iframe src=\"https://www.youtube.com/embed/x\"></iframe>\n\n"
    "<iframe src=\"https://evil.example/x\"></iframe>",
    "Thoát \\*không nghiêng\\* \\[không liên kết\\] \\` \\\\ \\# \\{ \\}",
    "\\[TOC\\]\n\n## Mục",
    "`mã *không* nghiêng` ``mã có ` trong`` \\`không mã` \\\\`mã sau hai gạch`",
    "```\nrào\n```\n\n~~~\nrào ngã\n~~~",
    "![Quang cảnh Hội nghị](anh.jpg \"Thu Hà\")",
    "![Quang cảnh](anh-credit.jpg)\n\n![](anh.jpg)\n\n![  ](tep.png)\n\n![Ảnh: nguồn](anh.jpg \"Nguồn: TTXVN\")",
    "Chữ ![nội dòng](anh.jpg) giữa câu.\n\n![Hai](a.png) ![ảnh](b.png)",
    "[thiếu](thieu.md) ![thiếu](thieu.jpg) [bài](bai.md#muc) [tệp](van-ban.pdf) [ngoài](https://a.vn)",
    "[trống]() [neo](#muc) <a href=\"javascript:alert(1)\">x</a> [js](javascript:alert(1))",
    "Dòng\twith\ttabs\n\n\tmã tab\n\r\nWindows\r\nline",
    "*nghiêng chưa đóng và **đậm chưa đóng\n\n_a_b_ __a__b__ *a*b* **a**b**",
    "Chữ*đậm*giữa và chữ_dưới_giữa, ***a** b* và *a **b***",
    "# Tiêu đề h1 trong bài\n\nĐoạn\n\n## h2",
    "Đoạn cuối có dấu {ngoặc} nhưng không phải thuộc tính.\n{không phải}",
    "- mục\n\n    đoạn trong mục\n\n- mục hai\n    {: .lop }",
    "Term [link **đậm**](bai.md \"tiêu đề\") và [![ảnh](anh.jpg)](bai.md)",
    "٣. mục chữ số Ả Rập\n٤. hai\n\n３. toàn khổ",
    "+ cộng\n+ hai\n\n-không phải mục\n\n*không phải mục*",
    "Dòng  \n   \nDòng sau dòng trắng có dấu cách \n \n\t\nhết",
    "A & B, không có thẻ; &amp; thực thể\n\nC &",
    "Một\n \nHai",
    "* # Tiêu đề\nDòng hai **đậm** [liên kết](bai.md) và ![ảnh](anh.jpg)\n* mục *hai*",
    "1. mục\nDòng **lười** `mã`\n\n    đoạn [bài](bai.md) *nghiêng*",
    "# Một\n\n| a | b |\n|---|---|\n| [x](bai.md) | ![y](anh.jpg) |\n\n![Ảnh](anh-credit.jpg \"Ảnh: X\")",
]


@pytest.mark.parametrize("text", CASES)
def test_the_same_html_as_stock_python_markdown(text):
    same(text)


PIECES = ["Chữ thường", "Hội nghị", " ", "  ", "\n", "\n\n", "\n\n\n", "\t", "**", "*", "_", "__", "`", "``",
          "\\", "[", "]", "(", ")", "!", "#", "## ", "> ", "- ", "* ", "1. ", "    ", "|", "---", "===",
          "{", "}", "{: .lop }", "{: #id }", "<", ">", "&", "&amp;", "&#169;", ";", "<b>", "</b>", "<div>",
          "</div>", "<!--", "-->", "[^1]", "[^1]: chú thích", "[TOC]", "[1]: bai.md", "[a]", "[a][1]",
          "![", "](anh.jpg)", "](bai.md)", "](thieu.md)", "\"tiêu đề\"", ":", "https://a.vn", "thu@a.vn",
          "  \n", "Ảnh", "đ", "\x02", "\x03"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_any_mix_of_markdown_pieces_renders_the_same(pieces):
    same("".join(pieces))


def test_the_sample_site_and_the_test_sites_render_the_same():
    root = Path(__file__).resolve().parents[2]
    files = sorted(root.glob("content/**/*.md")) + sorted(root.glob("tests/sites/*/content/**/*.md"))
    assert len(files) > 20
    for path in files:
        same(path.read_text("utf-8", "replace").split("\n---\n", 1)[-1])


# --- bodies that skip the sanitiser ----------------------------------------------------------------

class _CountingCleaner:
    def __init__(self, cleaner):
        self.cleaner, self.calls = cleaner, 0

    def clean(self, html: str) -> str:
        self.calls += 1
        return self.cleaner.clean(html)


def _sanitised(text: str, res=None) -> bool:
    """Render text with FAST; whether the sanitiser ran (the HTML is checked against STOCK's)."""
    counting = _CountingCleaner(FAST.cleaner)
    FAST.cleaner = counting
    try:
        same(text) if res is None else None
        a, b = FAST.render(text, res), STOCK.render(text, res)
    finally:
        FAST.cleaner = counting.cleaner
    assert a.html == b.html, text
    return counting.calls > 0


PLAIN_PIECES = ["Chữ thường", "Hội nghị", " ", "  ", "\n", "\n\n", "\t", "**", "*", "_", "`", "```\n", "~~~\n",
                "[", "]", "(", ")", "!", "#", "## ", "- ", "* ", "1. ", "    ", "---", "===", ":", "'", "\"",
                "[TOC]", "[[TOC]](anh.jpg)", "[1]: bai.md", "[2]: javascript:alert(1)", "[a]", "[a][1]", "[b][2]",
                "![", "](anh.jpg)",
                "](bai.md)", "](thieu.md)", "](https://a.vn/x)", "](mailto:thu@a.vn)", "](tel:+8424)",
                "](//a.vn/x)", "](javascript:alert(1))", "](JavaScript:alert(1))", "](data:image/png;base64,AA)",
                "](vbscript:x)", "](java\tscript:x)", "](java\u200bscript:x)", " \"tiêu đề\")", "[^1]",
                "[^1]: chú thích", "  \n", "Ảnh", "đ", "%", "\u200b", "ｆ", "é"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PLAIN_PIECES), max_size=40))
def test_a_body_that_skips_the_sanitiser_is_what_the_sanitiser_gives(pieces):
    """Markdown without <, >, &, \\, {, | writes only markup the sanitiser keeps, unless a link or
    image names a scheme it does not allow: with the sanitiser or without, the same HTML."""
    text = "".join(pieces)
    for res in (None, resolver):
        _sanitised(text, res)


def test_plain_prose_links_and_photos_skip_the_sanitiser():
    for text in ["Chữ thường, không có gì đặc biệt.",
                 "## Mục\n\nĐoạn **đậm** [bài](bai.md) [ngoài](https://a.vn/x?a=1) [thư](mailto:thu@a.vn)\n\n"
                 "![Quang cảnh Hội nghị](anh.jpg \"Thu Hà\")\n\n- một\n- hai\n\n1. ba\n\n    mã thụt lề",
                 "[Cổng][1]\n\n[1]: https://chinhphu.vn \"Cổng thông tin\""]:
        assert not _sanitised(text, resolver), text


def test_a_toc_marker_or_a_link_in_a_link_goes_through_the_sanitiser():
    """Python-Markdown may put the table of contents inside a <p> ("[[TOC]](x)") or a link inside a
    link, which the sanitiser's HTML parser takes apart: the HTML is the sanitiser's."""
    assert _sanitised("[[TOC]](anh.jpg)") and _sanitised("Đoạn\n\n[TOC]\n\n## Mục")
    assert _sanitised("**[[x](bai.md)](anh.jpg)**", resolver)


HOSTILE = ["[x](javascript:alert(1))", "[x](JAVASCRIPT:alert(1))", "[x]( javascript:alert(1) )",
           "[x](javascript:alert(1) \"t\")", "[x][1]\n\n[1]: javascript:alert(1)", "![x](data:image/svg+xml,x)",
           "![x](vbscript:msgbox)", "[x](java\tscript:alert(1))", "[x](java\u200bscript:alert(1))",
           "[x](jav\x01ascript:alert(1))", "[x](livescript:x)", "[x](file:///etc/passwd)"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_link_with_a_scheme_not_allowed_goes_through_the_sanitiser(text):
    from html.parser import HTMLParser

    assert _sanitised(text), text
    urls = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            urls.extend(v for k, v in attrs if k in ("href", "src") and v)
    for res in (None, resolver):
        Links().feed(FAST.render(text, res).html)
    for url in urls:
        m = markup._SCHEME.match(re.sub(r"^[\x00-\x20]+|[\t\n\r]", "", url))   # as a browser reads it
        assert m is None or m.group()[:-1].lower() in ("http", "https", "mailto", "tel"), (text, url)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["|", "#", "\n=", "\n-", "--", "- -", "__", "**", "* *", ">", "[^", "]:", "[",
                                 "![", "  \n", "`", "đ", "Đắk"]), min_size=1, max_size=8, unique=True),
       st.lists(st.sampled_from(["Hội nghị", " ", "-", "_", "*", "\n", "[", "^", "]", ":", "!", "|", "#", ">",
                                 "=", "`", "đ", "Đắk", "a"]), max_size=30))
def test_looking_for_any_of_several_strings_answers_as_any_does(needles, pieces):
    text = "".join(pieces)
    assert markup._any_of(tuple(needles))(text) == any(n in text for n in needles)
