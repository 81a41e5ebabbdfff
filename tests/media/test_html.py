"""Widths as configured and never upscaled; what the HTML says about every image (width, height,
srcset, sizes, alt, lazy loading); listing thumbnails cropped to the aspect; Open Graph and feeds get
a 1200-wide JPEG; several photos make an accessible gallery; credits read "Ảnh: …"."""
from __future__ import annotations

import re

from PIL import Image

from imagetest import media_files, noise, quadrants, save_jpeg, srcset_entries
from sitetest import meta


def published(built, url: str) -> Image.Image:
    with Image.open(built.path(url)) as im:
        im.load()
        return im


def check_picture(built, img, *, sizes_needed: bool = True) -> list[int]:
    """An <img> inside <picture>: every srcset entry exists with the width it claims; the <img>'s
    width and height are its src's; a WebP <source> lists the same widths. Returns the widths."""
    assert (img.get("alt") or "").strip(), "no alt text"
    assert img.get("decoding") == "async"
    src, width, height = img.get("src"), int(img.get("width")), int(img.get("height"))
    assert published(built, src).size == (width, height)
    entries = srcset_entries(img.get("srcset"))
    for url, w in entries:
        im = published(built, url)
        assert im.width == w and im.format == "JPEG", url
        assert im.info.get("progressive"), f"{url} is not a progressive JPEG"
    assert entries[-1][0] == src, "src is the largest JPEG"
    if sizes_needed:
        assert img.get("sizes")
    # (lxml's HTML 4 parser does not know that <source> is empty and nests the <img> in it)
    [picture] = img.xpath("ancestor::picture")
    [source] = picture.xpath(".//source")
    assert source.get("type") == "image/webp" and source.get("sizes") == img.get("sizes")
    webp = srcset_entries(source.get("srcset"))
    assert [w for _, w in webp] == [w for _, w in entries]
    for url, w in webp:
        with Image.open(built.path(url)) as im:
            assert im.format == "WEBP" and im.width == w
    return [w for _, w in entries]


def test_widths_as_configured_and_never_upscaled(photo_site, builder):
    folder = photo_site.bundle("bai-anh")
    save_jpeg(folder / "lon.jpg", noise(900, 600))      # wider than every width
    save_jpeg(folder / "vua.jpg", noise(300, 200))      # between the widths
    save_jpeg(folder / "nho.jpg", noise(90, 60))        # narrower than every width
    photo_site.images("widths = [400, 100, 200]\nthumb_widths = [50, 150]")
    photo_site.article(photos=[{"src": "lon.jpg", "caption": "Ảnh lớn"}],
                       body="![Ảnh vừa](vua.jpg)\n\n![Ảnh nhỏ](nho.jpg)\n")
    built = builder(photo_site.root)
    doc = built.html(photo_site.url())
    widths = {img.get("alt"): check_picture(built, img) for img in doc.xpath("//main//figure//img")}
    assert widths == {"Ảnh lớn": [100, 200, 400], "Ảnh vừa": [100, 200, 300], "Ảnh nhỏ": [90]}
    for name, path in media_files(built.out).items():
        w, h = map(int, re.match(r".*-(\d+)x(\d+)\.", name).groups())
        with Image.open(path) as im:
            assert im.size == (w, h), name
            source = {"lon": 900, "vua": 300, "nho": 90}[name.split("-")[0]]
            assert im.width <= source, f"{name} is upscaled"


def test_default_widths(photo_site, builder):
    save_jpeg(photo_site.bundle("bai-anh") / "anh.jpg", noise(2000, 1000))
    photo_site.article(photos=[{"src": "anh.jpg", "caption": "Quang cảnh"}])
    built = builder(photo_site.root)
    img = built.html(photo_site.url()).xpath("//main//figure//img")[0]
    assert check_picture(built, img) == [480, 800, 1200, 1600]
    assert (img.get("width"), img.get("height")) == ("1600", "800")


def test_lead_photo_is_not_lazy_the_others_are(photo_site, builder):
    folder = photo_site.bundle("bai-anh")
    for name in ("mot.jpg", "hai.jpg", "ba.jpg"):
        save_jpeg(folder / name, noise(120, 80))
    photo_site.article(photos=[{"src": "mot.jpg", "caption": "Một"}, {"src": "hai.jpg", "caption": "Hai"}],
                       body="![Ba](ba.jpg)\n")
    built = builder(photo_site.root)
    doc = built.html(photo_site.url())
    lead = doc.xpath("//main//figure[contains(@class, 'lead-photo')]//img")[0]
    assert lead.get("loading") is None and lead.get("fetchpriority") == "high"
    others = [img for img in doc.xpath("//main//img") if img is not lead]
    assert len(others) == 2 and all(img.get("loading") == "lazy" for img in others)


def test_listing_thumbnails_are_cropped_to_the_aspect(photo_site, builder):
    save_jpeg(photo_site.bundle("bai-anh") / "doc.jpg", quadrants(600, 900))     # a tall photo
    photo_site.article(photos=[{"src": "doc.jpg", "caption": "Ảnh dọc", "alt": "Ảnh dọc"}])
    built = builder(photo_site.root)
    [thumb] = built.html("/tin-tuc/").xpath("//main//img[contains(@class, 'thumb')]")
    assert thumb.get("alt") == "Ảnh dọc"
    w, h = int(thumb.get("width")), int(thumb.get("height"))
    assert abs(w / h - 3 / 2) < 0.01
    for url, width in srcset_entries(thumb.get("srcset")):
        im = published(built, url)
        assert im.width == width and abs(im.width / im.height - 3 / 2) < 0.01
    assert thumb.xpath("ancestor::picture")

    photo_site.images('thumb_aspect = "1:1"')
    built = builder(photo_site.root)
    [thumb] = built.html("/tin-tuc/").xpath("//main//img[contains(@class, 'thumb')]")
    assert thumb.get("width") == thumb.get("height")


def test_open_graph_and_feeds_get_a_1200_wide_jpeg(photo_site, builder):
    save_jpeg(photo_site.bundle("bai-anh") / "anh.jpg", noise(2400, 1600))
    photo_site.article(photos=[{"src": "anh.jpg", "caption": "Quang cảnh", "alt": "Hội trường"}])
    built = builder(photo_site.root)
    doc = built.html(photo_site.url())
    [og] = meta(doc, "og:image")
    url = og[len(built.base_url) - 1:]
    im = published(built, url)
    assert im.format == "JPEG" and im.size == (1200, 800)
    assert meta(doc, "og:image:width") == ["1200"] and meta(doc, "og:image:height") == ["800"]
    assert meta(doc, "og:image:alt") == ["Hội trường"]
    [item] = [i for i in built.xml("/rss.xml").findall("./channel/item")
              if i.findtext("link") == built.absolute(photo_site.url())]
    enc = item.find("enclosure")
    assert enc.get("url") == og and enc.get("type") == "image/jpeg"
    assert int(enc.get("length")) == built.path(url).stat().st_size
    atom = built.xml("/atom.xml")
    hrefs = [l.get("href") for l in atom.iter("{http://www.w3.org/2005/Atom}link") if l.get("rel") == "enclosure"]
    assert hrefs == [og]


def test_small_photo_open_graph_is_not_upscaled(photo_site, builder):
    save_jpeg(photo_site.bundle("bai-anh") / "anh.jpg", noise(640, 480))
    photo_site.article(photos=[{"src": "anh.jpg", "caption": "Quang cảnh"}])
    built = builder(photo_site.root)
    [og] = meta(built.html(photo_site.url()), "og:image")
    assert published(built, og[len(built.base_url) - 1:]).size == (640, 480)


def test_several_photos_make_a_gallery(photo_site, builder):
    folder = photo_site.bundle("bai-anh")
    for name in ("mot.jpg", "hai.jpg", "ba.jpg", "bon.jpg"):
        save_jpeg(folder / name, noise(1000, 750))
    photo_site.article(photos=[{"src": "mot.jpg", "caption": "Quang cảnh", "credit": "Thu Hà"},
                               {"src": "hai.jpg", "caption": "Phát biểu", "credit": "Minh Anh"},
                               {"src": "ba.jpg", "caption": "Trao thưởng", "alt": "Bộ trưởng trao Bằng khen"},
                               {"src": "bon.jpg", "caption": "Trong bài"}],
                       body="Đoạn văn.\n\n![Trong bài](bon.jpg)\n")
    built = builder(photo_site.root)
    doc = built.html(photo_site.url())
    [gallery] = doc.xpath("//main//section[contains(@class, 'gallery')]")
    heading = gallery.xpath("./h2")[0]
    assert gallery.get("aria-labelledby") == heading.get("id") and heading.text_content().strip() == "Hình ảnh"
    items = gallery.xpath(".//ul/li")
    assert len(items) == 2, "the lead photo is shown above, the body shows the fourth"
    for li, (caption, credit, alt) in zip(items, [("Phát biểu", "Minh Anh", "Phát biểu"),
                                                   ("Trao thưởng", None, "Bộ trưởng trao Bằng khen")]):
        [fig] = li.xpath("./figure")
        [link] = fig.xpath("./a")
        img = link.xpath(".//img")[0]
        assert img.get("alt") == alt and img.get("loading") == "lazy"
        widths = check_picture(built, img)
        assert link.get("href") == img.get("src") and widths[-1] == 1000, "links to the largest size"
        text = fig.xpath("./figcaption")[0].text_content()
        assert caption in text
        if credit:
            assert f"Ảnh: {credit}" in text
        assert "xem ảnh cỡ lớn" in link.text_content()


def test_inline_figure_takes_credit_and_alt_from_the_front_matter(photo_site, builder):
    save_jpeg(photo_site.bundle("bai-anh") / "anh.jpg", noise(300, 200))
    save_jpeg(photo_site.bundle("bai-anh") / "dau.jpg", noise(300, 200))
    photo_site.article(photos=[{"src": "dau.jpg", "caption": "Ảnh đầu"},
                               {"src": "anh.jpg", "caption": "Phát biểu", "alt": "Thứ trưởng đứng trên bục",
                                "credit": "Minh Anh"}],
                       body="![Thứ trưởng phát biểu](anh.jpg)\n\n![Khác](dau.jpg \"Ảnh: Lan Hương\")\n")
    built = builder(photo_site.root)
    figs = built.html(photo_site.url()).xpath("//main//div[contains(@class, 'article-body')]//figure")
    assert [f.xpath(".//img/@alt")[0] for f in figs] == ["Thứ trưởng đứng trên bục", "Khác"]
    assert [f.xpath("./figcaption")[0].text_content() for f in figs] == [
        "Thứ trưởng phát biểu Ảnh: Minh Anh", "Khác Ảnh: Lan Hương"]


def test_english_pages_say_photo(photo_site, builder):
    with open(photo_site.root / "site.toml", "a", encoding="utf-8") as f:
        f.write('\n[languages.en]\ntitle = "Portal"\n')
    save_jpeg(photo_site.bundle("bai-anh") / "anh.jpg", noise(300, 200))
    (photo_site.bundle("bai-anh") / "index.en.md").write_text(
        "---\ntitle: Review\ndate: 2024-01-09 14:18\nphotos:\n  - {src: anh.jpg, caption: The hall, credit: Thu Ha}\n"
        "---\n\n![The hall](anh.jpg \"Thu Ha\")\n", "utf-8")
    (photo_site.bundle("bai-anh") / "index.md").write_text("---\ntitle: Bài\ndate: 2024-01-09 14:18\n---\n\nx\n", "utf-8")
    built = builder(photo_site.root)
    doc = built.html("/en/tin-tuc/2024/01/bai-anh/")
    captions = [c.text_content() for c in doc.xpath("//main//figcaption")]
    assert captions == ["The hall Photo: Thu Ha", "The hall Photo: Thu Ha"]


def test_sizes_are_capped_at_the_photo_width():
    from sitegen.model import fit_sizes
    assert fit_sizes("(min-width: 75em) 52rem, (min-width: 60em) calc(100vw - 23rem), calc(100vw - 2rem)", 640) == (
        "(min-width: 75em) min(640px, 52rem), (min-width: 60em) min(640px, calc(100vw - 23rem)), "
        "min(640px, calc(100vw - 2rem))")
    assert fit_sizes("100vw", 90) == "min(90px, 100vw)"
    assert fit_sizes("(min-width: 40em) and (max-width: 80em) 50vw, 100vw", 300) == \
        "(min-width: 40em) and (max-width: 80em) min(300px, 50vw), min(300px, 100vw)"
    assert fit_sizes("100vw", None) == "100vw"


def test_a_small_photo_is_not_stretched_to_the_column(photo_site, builder):
    save_jpeg(photo_site.bundle("bai-anh") / "nho.jpg", noise(90, 60))
    photo_site.article(photos=[{"src": "nho.jpg", "caption": "Ảnh nhỏ"}], body="![Ảnh nhỏ](nho.jpg)\n")
    built = builder(photo_site.root)
    imgs = built.html(photo_site.url()).xpath("//main//figure//img")
    assert len(imgs) == 2
    for img in imgs:
        assert img.get("sizes").startswith("(min-width: 75em) min(90px, ") and "min(90px, calc(100vw - 2rem))" in img.get("sizes")
        assert img.xpath("ancestor::picture//source")[0].get("sizes") == img.get("sizes")
