"""`sitegen new "Tiêu đề bài viết" [--section tin-tuc] [--photos a.jpg b.jpg] [--site DIR]`

Creates the page bundle `content/<section>/<year>/<slug>/index.md` with its front matter filled and
explained in Vietnamese, copies the photos in beside it, and prints the file and the article's URL.
"""
from __future__ import annotations

import argparse
import re
import shutil
from datetime import datetime
from pathlib import Path

from PIL import Image

from sitegen.authoring.common import (EXIT_CONTENT, EXIT_OK, Refused, Written, build_failed_exit, display,
                                      fm_date, full_url, make_slug, open_site, permalink, print_error, refuse,
                                      resolve_section, yaml_line)
from sitegen.config import SiteConfig
from sitegen.content.dates import DateError, parse_date
from sitegen.content.frontmatter import FrontMatterError, parse
from sitegen.content.schema import split_name
from sitegen.content.text import nfc, slugify
from sitegen.errors import BuildFailed

CAPTION_PLACEHOLDER = "Chú thích ảnh (cần sửa)"
PHOTO_EXTS = (".jpg", ".jpeg", ".png", ".gif", ".webp")


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "new", help="create a new article: a page bundle with its front matter and photos",
        description="Create content/SECTION/YEAR/SLUG/index.md dated now (in the site's time zone), with "
                    "every front-matter field explained in Vietnamese, and copy the photos in beside it. "
                    "Prints the file and the URL the article will have.")
    p.add_argument("title", help='the article\'s title, in quotes: "Hội nghị tổng kết năm 2024"')
    p.add_argument("--section", default=None, help="section folder (default: tin-tuc)")
    p.add_argument("--photos", nargs="+", type=Path, default=[], metavar="PHOTO",
                   help="photos to copy into the article, lead photo first")
    p.add_argument("--slug", default=None, help="the URL name (default: made from the title)")
    p.add_argument("--draft", action="store_true", help="mark it draft: true (not published until changed)")
    p.add_argument("--site", type=Path, default=Path("."), help="the site's folder (default: .)")
    p.set_defaults(handler=run)
    return p


def run(args: argparse.Namespace) -> int:
    try:
        written = create_article(args.site, args.title, section=args.section, photos=args.photos,
                                 slug=args.slug, draft=args.draft)
    except Refused as exc:
        print_error(exc.error)
        return exc.code
    except BuildFailed as exc:
        return build_failed_exit(exc)
    cfg_root = args.site
    print(f"Created {display(written.path, cfg_root)}")
    print(f"URL: {written.url}")
    print("Fill in the summary, author, source and photo captions; preview with `sitegen serve`.")
    return EXIT_OK


def create_article(site: Path, title: str, *, section: str | None = None, photos: list[Path] = (),
                   slug: str | None = None, draft: bool = False, now: datetime | None = None) -> Written:
    """Write the bundle; returns its index.md and the article's full URL. Raises Refused."""
    cfg = open_site(site)
    title = re.sub(r"\s+", " ", nfc(title)).strip()
    if not title:
        raise refuse("title", "the title is empty", 'write it in quotes: sitegen new "Tiêu đề bài viết"')
    if slug is not None:
        slug = make_slug(slug)
        if not slug:
            raise refuse("--slug", "gives an empty URL slug", "use letters or digits, e.g. --slug hoi-nghi-2024")
    else:
        slug = make_slug(title)
        if not slug:
            raise refuse("title", f"'{title}' gives an empty URL slug (it has no letters or digits)",
                         "use a title with letters or digits, or pass --slug hoi-nghi-2024")
    section = resolve_section(cfg, section)
    for photo in photos:
        _check_photo(photo)
    when = (now or datetime.now(cfg.tz)).astimezone(cfg.tz).replace(second=0, microsecond=0)
    bundle = cfg.content_dir / section / f"{when.year:04d}" / slug
    url = permalink(cfg, section, when, slug)
    if bundle.exists():
        raise refuse(display(bundle / "index.md", cfg.root), "an article already exists here",
                     "choose another title, or pass --slug with another name", code=EXIT_CONTENT)
    clash = _same_url(cfg, section, slug, url)
    if clash:
        raise refuse(display(clash, cfg.root), f"this article already has the URL {url}",
                     "choose another title, or pass --slug with another name", code=EXIT_CONTENT)
    bundle.mkdir(parents=True)
    names = _copy_photos(photos, bundle)
    (bundle / "index.md").write_text(front_matter(cfg, title, when, names, draft), encoding="utf-8")
    return Written(bundle / "index.md", full_url(cfg, url))


def _check_photo(photo: Path) -> None:
    if not photo.is_file():
        raise refuse(photo, "photo not found", "check the file name and folder")
    if photo.suffix.lower() not in PHOTO_EXTS:
        raise refuse(photo, f"'{photo.suffix or photo.name}' is not a photo type the site publishes",
                     f"use {', '.join(PHOTO_EXTS)}")
    try:
        with Image.open(photo) as im:
            im.verify()
    except Exception:
        raise refuse(photo, "is not a readable image", "open it in an image viewer and save it again as JPEG") from None


def _copy_photos(photos: list[Path], bundle: Path) -> list[str]:
    names: list[str] = []
    for n, photo in enumerate(photos, 1):
        ext = photo.suffix.lower().replace(".jpeg", ".jpg")
        stem = make_slug(photo.stem) or f"anh-{n}"
        name, k = stem + ext, 2
        while name in names:
            name, k = f"{stem}-{k}{ext}", k + 1
        shutil.copyfile(photo, bundle / name)
        names.append(name)
    return names


def _same_url(cfg: SiteConfig, section: str, slug: str, url: str) -> Path | None:
    """An article of the section whose URL would be the new one's (its slug and language found as the
    build finds them: "bai.en.md" is English, "nghi-dinh-15.2020.md" has the slug nghi-dinh-15-2020)."""
    folder = cfg.content_dir / section
    if not folder.is_dir():
        return None
    for md in sorted(folder.rglob("*.md")):
        stem, suffix_lang = split_name(md.name)
        if stem == "_index":
            continue
        try:
            meta = parse(nfc(md.read_text(encoding="utf-8"))).meta
        except (OSError, UnicodeDecodeError, FrontMatterError):
            continue
        own = meta.get("slug")
        title = meta.get("title")
        name = md.parent.name if stem == "index" else stem
        other = slugify(own) if isinstance(own, str) else slugify(name) or slugify(title if isinstance(title, str) else "")
        if other != slug:
            continue
        try:
            date = parse_date(meta.get("date"), cfg.tz)
        except DateError:
            return md          # no readable date: it could be the same URL, so refuse
        lang = meta.get("lang") if isinstance(meta.get("lang"), str) else suffix_lang
        if permalink(cfg, section, date, other, lang) == url:
            return md
    return None


def front_matter(cfg: SiteConfig, title: str, when: datetime, photos: list[str], draft: bool) -> str:
    """The new article's text: every field with a Vietnamese comment, then a body to write."""
    lines = [
        "---",
        "# Tiêu đề bài viết (bắt buộc): hiện ở đầu bài, trong danh sách tin, RSS và kết quả tìm kiếm.",
        yaml_line("title", title),
        f"# Ngày giờ đăng (bắt buộc), theo giờ của trang ({cfg.timezone}). Viết 2024-01-09 14:18",
        "# hoặc 09/01/2024 14:18. Bài có ngày giờ trong tương lai chỉ lên trang từ lúc đó.",
        f"date: {fm_date(when, cfg)}",
        "# Sa-pô (tóm tắt): một, hai câu in đậm dưới tiêu đề, cũng dùng trong danh sách tin và RSS.",
        "# Hãy điền vào giữa hai dấu nháy.",
        'summary: ""',
        "# Tác giả và nguồn tin: quy định về cổng thông tin điện tử yêu cầu ghi cả hai.",
        'author: ""',
        "# Nguồn: tên cơ quan, hoặc {name: Tên cơ quan, url: https://...}",
        'source: ""',
        "# Từ khóa (thẻ) của bài, cách nhau bằng dấu phẩy, ví dụ: [thi đua, khen thưởng]",
        "tags: []",
    ]
    if photos:
        lines += [
            "# Ảnh của bài, ảnh đầu tiên là ảnh đại diện (hiện đầu bài, trong danh sách tin, khi chia sẻ).",
            "# src: tên tệp ảnh nằm cùng thư mục với bài này; caption: chú thích hiện dưới ảnh;",
            "# alt: mô tả ảnh cho người không nhìn thấy (để trống thì dùng chú thích);",
            "# credit: tên người chụp, ví dụ Minh Anh (trang tự thêm chữ \"Ảnh:\").",
            "# Ảnh chèn giữa bài: ![Chú thích](ten-anh.jpg \"Ảnh: Minh Anh\")",
            "photos:",
        ]
        for name in photos:
            lines += [f"  - {yaml_line('src', name)}", f"    {yaml_line('caption', CAPTION_PLACEHOLDER)}",
                      '    alt: ""', '    credit: ""']
    else:
        lines += [
            "# Ảnh: chép ảnh vào thư mục của bài rồi liệt kê ở đây, ảnh đầu tiên là ảnh đại diện, ví dụ:",
            "#   - {src: quang-canh.jpg, caption: Quang cảnh Hội nghị, credit: Minh Anh}",
            "photos: []",
        ]
    lines += [
        "# Bản nháp: true thì bài chưa được đăng (chỉ xem trước bằng sitegen serve hoặc build --drafts);",
        "# đổi thành false khi bài đã được duyệt.",
        f"draft: {'true' if draft else 'false'}",
        "---",
        "",
        "<!-- Viết nội dung bài dưới đây. Các đoạn văn cách nhau một dòng trống.",
        "     Ảnh giữa bài: ![Chú thích ảnh](ten-anh.jpg \"Ảnh: Tên người chụp\")",
        "     Tiêu đề mục: ## Tên mục. Liên kết: [chữ hiện ra](https://...). -->",
        "",
    ]
    return "\n".join(lines)
