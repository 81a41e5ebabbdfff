"""The sample site shows the photo gallery: articles whose front matter lists photos that neither
lead the article nor appear in its body show them as a gallery of links to the large size, each
with its alt text, caption and credit ("Ảnh: …"), working without JavaScript (plain links)."""
from __future__ import annotations

import re

import pytest

from imagetest import srcset_entries
from sitetest import REPO, front_matter, squash

GALLERIES = {
    "content/thi-dua-khen-thuong/ton-vinh-dien-hinh-tien-tien-nganh-noi-vu/index.md": "/thi-dua-khen-thuong/2024/11/ton-vinh-dien-hinh-tien-tien-nganh-noi-vu/",
    "content/cai-cach-hanh-chinh/hoi-nghi-chuyen-doi-so-nganh-noi-vu-2025/index.md": "/cai-cach-hanh-chinh/2025/03/hoi-nghi-chuyen-doi-so-nganh-noi-vu-2025/",
}


@pytest.mark.parametrize("rel", sorted(GALLERIES))
def test_sample_article_shows_a_gallery(sample, rel):
    path = REPO / rel
    meta = front_matter(path)
    body = path.read_text("utf-8").split("\n---", 1)[1]
    extra = [p for p in meta["photos"][1:] if f"]({p['src']}" not in body]
    assert len(extra) >= 2, "the sample article should keep photos for its gallery"
    doc = sample.html(GALLERIES[rel])
    [gallery] = doc.xpath("//main//section[contains(@class, 'gallery')]")
    items = gallery.xpath(".//ul/li/figure")
    assert len(items) == len(extra)
    for fig, photo in zip(items, extra):
        [link] = fig.xpath("./a")
        [img] = link.xpath(".//img")
        assert img.get("alt") == photo.get("alt", photo["caption"])
        assert img.get("loading") == "lazy" and img.get("decoding") == "async"
        assert img.get("width") and img.get("height") and img.get("srcset")
        stem = photo["src"].rsplit(".", 1)[0]
        assert re.fullmatch(rf"/media/{stem}-\d+x\d+\.[0-9a-f]{{12}}\.jpg", link.get("href")), link.get("href")
        assert link.get("href") == srcset_entries(img.get("srcset"))[-1][0], "links to the largest JPEG"
        assert sample.exists(link.get("href"))
        caption = squash(fig.xpath("./figcaption")[0].text_content())
        assert photo["caption"] in caption
        if photo.get("credit"):
            assert f"Ảnh: {photo['credit']}" in caption
    [lead_fig] = doc.xpath("//main//figure[contains(@class, 'lead-photo')]")
    lead = lead_fig.xpath(".//img")[0]
    assert lead.get("alt") not in [i.get("alt") for i in gallery.xpath(".//img")], "the lead is not repeated"
    first = meta["photos"][0]
    assert lead.get("alt") == first["alt"] and lead.get("loading") is None
    assert f"Ảnh: {first['credit']}" in squash(lead_fig.xpath("./figcaption")[0].text_content())
