"""`sitegen init DIR [--title ...] [--agency ...] [--base-url ...]`: a new, working site in an empty folder.

It holds site.toml with every setting, each explained in Vietnamese and English; one section
(content/tin-tuc/ with its _index.md); one example article with a photo drawn here; the Giới thiệu
page and its English version "About" (portal rules ask for English introduction pages).
"""
from __future__ import annotations

import argparse
import json
import math
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from sitegen.authoring.common import EXIT_OK, Refused, display, print_error, refuse, yaml_line
from sitegen.config import ImagesConfig, load_config
from sitegen.errors import BuildFailed

TIMEZONE = "Asia/Ho_Chi_Minh"
SECTION = "tin-tuc"
EXAMPLE_SLUG = "chao-mung-den-voi-trang-thong-tin-moi"
EXAMPLE_PHOTO = "hoi-truong.jpg"
IMAGES = ImagesConfig()   # the defaults, written out in site.toml


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "init", help="make a new site in an empty folder",
        description="Make a new, working site in DIR (which must be empty or not exist yet): site.toml with "
                    "every setting explained, the section tin-tuc, an example article with a photo, and the "
                    "Giới thiệu page. Build it with `sitegen build --site DIR`.")
    p.add_argument("dir", type=Path, metavar="DIR", help="folder for the new site")
    p.add_argument("--title", default=None, help='site title (default: "Trang thông tin điện tử")')
    p.add_argument("--agency", default=None, help='agency name shown in the header (default: "TÊN CƠ QUAN")')
    p.add_argument("--base-url", default="https://example.gov.vn/",
                   help="the site's public address (default: https://example.gov.vn/)")
    p.set_defaults(handler=run)
    return p


def run(args: argparse.Namespace) -> int:
    try:
        files = init_site(args.dir, title=args.title, agency=args.agency, base_url=args.base_url)
    except Refused as exc:
        print_error(exc.error)
        return exc.code
    print(f"Created a new site in {display(args.dir)} ({len(files)} files):")
    for f in files:
        print(f"  {display(f, args.dir)}")
    print("Next:")
    print(f"  sitegen build --site {args.dir}          # writes {args.dir / 'public'}")
    print(f"  sitegen new \"Tiêu đề bài viết\" --site {args.dir}")
    print(f"  edit {args.dir / 'site.toml'}: agency address, phone, email, person responsible")
    return EXIT_OK


def init_site(dest: Path, *, title: str | None = None, agency: str | None = None,
              base_url: str = "https://example.gov.vn/", now: datetime | None = None) -> list[Path]:
    """Write the new site into `dest`; returns the files written. Raises Refused."""
    if dest.exists() and not dest.is_dir():
        raise refuse(dest, "is a file, not a folder", "name a new or empty folder: sitegen init my-site")
    if dest.is_dir():
        entries = sorted(p.name for p in dest.iterdir())
        if entries:
            shown = ", ".join(entries[:5]) + (", …" if len(entries) > 5 else "")
            raise refuse(dest, f"folder is not empty ({shown})",
                         "sitegen init only writes into an empty folder, so nothing is overwritten; "
                         "name a new folder")
    title = (title or "Trang thông tin điện tử").strip()
    agency = (agency or "TÊN CƠ QUAN").strip()
    if not base_url.startswith(("http://", "https://")):
        raise refuse("--base-url", f"'{base_url}' is not a full http(s) address", "e.g. https://example.gov.vn/")
    base_url = base_url.rstrip("/") + "/"
    when = (now or datetime.now(ZoneInfo(TIMEZONE))).astimezone(ZoneInfo(TIMEZONE)).replace(second=0, microsecond=0)
    files = {
        "site.toml": site_toml(title, agency, base_url, when.year),
        f"content/{SECTION}/_index.md": SECTION_INDEX,
        "content/gioi-thieu.md": about_vi(when),
        "content/about.md": about_en(when),
        f"content/{SECTION}/{when.year:04d}/{EXAMPLE_SLUG}/index.md": example_article(when),
    }
    written = []
    dest.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    photo = dest / f"content/{SECTION}/{when.year:04d}/{EXAMPLE_SLUG}/{EXAMPLE_PHOTO}"
    draw_example_photo(photo)
    written.append(photo)
    try:
        load_config(dest)   # the file we wrote must be a valid config, always
    except BuildFailed as exc:   # pragma: no cover - a bug in the template above
        raise AssertionError(f"sitegen init wrote an invalid site.toml: {exc}") from None
    return written


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _toml_list(values) -> str:
    return "[" + ", ".join(_toml(v) if isinstance(v, str) else str(v) for v in values) + "]"


def site_toml(title: str, agency: str, base_url: str, year: int) -> str:
    return f"""\
# Cấu hình trang — sitegen site settings.
# Mỗi khóa đều được kiểm tra: gõ sai tên khóa là lỗi, kèm gợi ý "did you mean".
# Every key is checked: a misspelt key is an error with a suggestion.

# Tên trang: hiện trên thẻ trình duyệt, trong RSS và kết quả tìm kiếm (bắt buộc).
# Site title: the browser tab, feeds and search results (required).
title = {_toml(title)}
# Mô tả ngắn cho công cụ tìm kiếm và RSS. / Short description for search engines and feeds.
description = "Tin tức, hoạt động và văn bản của cơ quan."
# Địa chỉ chính thức của trang, có dấu / ở cuối (bắt buộc).
# The site's public address, ending in / (required).
base_url = {_toml(base_url)}
# Ngôn ngữ chính, ở gốc trang: vi hoặc en. / The default language, at the site root: vi or en.
language = "vi"
# Múi giờ của ngày giờ đăng bài. / Time zone of article dates.
timezone = "{TIMEZONE}"
# Giao diện: moha là giao diện cổng thông tin có sẵn; đặt tệp vào themes/moha/ để thay từng phần.
# Theme: moha is the built-in ministry-portal theme; files in themes/moha/ override parts of it.
theme = "moha"
# Mẫu địa chỉ bài viết, dùng {{section}} {{year}} {{month}} {{day}} {{slug}}; phải có {{slug}}.
# Article URL pattern from {{section}} {{year}} {{month}} {{day}} {{slug}}; {{slug}} is required.
permalink = "/{{section}}/{{year}}/{{month}}/{{slug}}/"
# Số bài trên mỗi trang danh sách (1–1000). / Articles per listing page (1–1000).
paginate = 10
# Máy chủ được phép nhúng khung (iframe, chỉ https), ví dụ video YouTube.
# Hosts whose iframes articles may embed (https only), e.g. YouTube videos.
iframe_hosts = ["www.youtube-nocookie.com"]

# Cơ quan chủ quản: đầu trang và chân trang. Quy định về cổng TTĐT yêu cầu tên cơ quan, người chịu
# trách nhiệm, địa chỉ, điện thoại, thư điện tử — hãy điền đủ trước khi đăng trang.
# The agency, for the header and footer. Portal rules require its name, the person responsible,
# address, phone and email: fill them in before publishing.
[agency]
# Tên cơ quan, viết hoa (bắt buộc). / Agency name, in capitals (required).
name = {_toml(agency)}
# Tên tiếng Anh. / English name.
name_en = ""
# Quốc huy hoặc biểu trưng: tệp trong static/, ví dụ "/images/emblem.svg"; để trống dùng hình có sẵn.
# Emblem: a file under static/, e.g. "/images/emblem.svg"; empty uses the theme's own.
emblem = ""
# Địa chỉ trụ sở. / Address.
address = ""
# Điện thoại. / Phone.
phone = ""
# Thư điện tử. / Email.
email = ""
# Người chịu trách nhiệm chính. / Person responsible for the content.
responsible = ""
# Giấy phép thiết lập trang (nếu có). / Licence line, where there is one.
licence = ""
# Dòng bản quyền ở chân trang. / Copyright line in the footer.
copyright = {_toml(f"© {year} {agency}")}
# Liên kết tới các cổng thông tin khác, hiện ở chân trang. / Links to other portals, in the footer.
links = [
  {{ title = "Cổng Thông tin điện tử Chính phủ", url = "https://chinhphu.vn/" }},
  {{ title = "Cổng Dịch vụ công quốc gia", url = "https://dichvucong.gov.vn/" }},
]

# Thực đơn chính, theo thứ tự; accesskey là phím tắt (1: Trang chủ, 3: Sơ đồ cổng).
# Bỏ hết các mục [[menu]] thì sitegen tự tạo thực đơn từ các trang và chuyên mục.
# The main menu, in order; accesskey is a keyboard shortcut. Without any [[menu]], sitegen makes
# one from the pages and sections.
[[menu]]
title = "Trang chủ"
url = "/"
accesskey = "1"

[[menu]]
title = "Giới thiệu"
url = "/gioi-thieu/"

[[menu]]
title = "Tin tức"
url = "/{SECTION}/"

[[menu]]
title = "Sơ đồ cổng"
url = "/so-do-cong/"
accesskey = "3"

# Ngôn ngữ thứ hai, dưới /en/: bài tiếng Anh có lang: en (hoặc tên tệp kiểu bai-viet.en.md).
# A second language, under /en/: English articles have lang: en (or a name like article.en.md).
[languages.en]
# Tên trang tiếng Anh. / English site title.
title = "Information Portal"
# Mô tả tiếng Anh. / English description.
description = "News and activities of the agency."
# Thực đơn tiếng Anh. / English menu.
menu = [
  {{ title = "Home", url = "/en/", accesskey = "1" }},
  {{ title = "About", url = "/en/about/" }},
  {{ title = "Sitemap", url = "/en/sitemap/", accesskey = "3" }},
]

# Thông tin cơ quan trên các trang tiếng Anh: khóa nào để trống hoặc bỏ đi thì dùng giá trị ở [agency].
# The agency's details on English pages: a key left out here keeps its value from [agency].
[languages.en.agency]
# Tên cơ quan bằng tiếng Anh, ở đầu trang. / The agency's name in the English header.
name = "AGENCY NAME"
# Địa chỉ bằng tiếng Anh. / Address in English.
address = ""
# Người chịu trách nhiệm, bằng tiếng Anh. / Person responsible, in English.
responsible = ""
# Dòng bản quyền tiếng Anh. / English copyright line.
copyright = {_toml(f"© {year} Agency name")}

# Ảnh: cỡ, định dạng và chất lượng của ảnh sitegen tạo ra từ ảnh gốc (ảnh gốc không bị sửa).
# Photos: the sizes, formats and quality of the images sitegen makes from the originals (kept as they are).
[images]
# Các bề rộng (điểm ảnh) của ảnh trong bài; không phóng to ảnh nhỏ hơn.
# Widths in pixels of article photos; a smaller original is never enlarged.
widths = {_toml_list(IMAGES.widths)}
# Các bề rộng của ảnh nhỏ trong danh sách tin. / Widths of listing thumbnails.
thumb_widths = {_toml_list(IMAGES.thumb_widths)}
# Tỉ lệ khung ảnh nhỏ, rộng:cao. / Thumbnail aspect ratio, width:height.
thumb_aspect = "{IMAGES.thumb_aspect[0]}:{IMAGES.thumb_aspect[1]}"
# Chất lượng nén JPEG, WebP, AVIF (1–100). / JPEG, WebP and AVIF quality (1–100).
quality = {IMAGES.quality}
# Định dạng, theo thứ tự ưu tiên (avif, webp, jpeg); jpeg là ảnh dự phòng.
# Formats in order of preference (avif, webp, jpeg); jpeg is the fallback.
formats = {_toml_list(IMAGES.formats)}
# Bề rộng ảnh khi chia sẻ (Open Graph) và trong RSS. / Width of the image for sharing (Open Graph) and feeds.
og_width = {IMAGES.og_width}
# Thuộc tính sizes của thẻ ảnh (CSS). / The images' CSS sizes attribute.
sizes = {_toml(IMAGES.sizes)}
# Ảnh không có mô tả (alt) hay chú thích: "error" (lỗi, không đăng) hoặc "warning" (chỉ cảnh báo).
# A photo without alt text or caption: "error" (the build stops) or "warning".
missing_alt = {_toml(IMAGES.missing_alt)}
# Số tiến trình xử lý ảnh; 0 là mỗi nhân CPU một tiến trình.
# Processes for image work; 0 means one per CPU core.
workers = {IMAGES.workers}

# Bộ đếm truy cập "Thống kê truy cập". / The access counter widget.
[counter]
# Địa chỉ dịch vụ đếm truy cập trực tiếp; bỏ dấu # khi đã chạy dịch vụ.
# URL of the live counter service; remove the # once the service runs.
# endpoint = "/_c/"
# Tổng lượt truy cập chuyển từ cổng cũ. / Total visits carried over from the old portal.
site_total = 0
# Số người đang truy cập, in sẵn khi chưa có dịch vụ đếm. / "Online" figure shown without the service.
online = 1
# Lượt truy cập hôm nay, in sẵn khi chưa có dịch vụ đếm. / "Today" figure shown without the service.
today = 0
"""


SECTION_INDEX = """\
---
# Tên chuyên mục, hiện trên thực đơn, đầu trang chuyên mục và sơ đồ cổng.
title: Tin tức
# Mô tả ngắn của chuyên mục.
description: Tin tức, sự kiện và hoạt động của cơ quan.
# Thứ tự của chuyên mục (số nhỏ đứng trước).
weight: 1
---
"""


def about_vi(when: datetime) -> str:
    return f"""\
---
title: Giới thiệu
date: {when.year:04d}-01-01 08:00
summary: Chức năng, nhiệm vụ và cơ cấu tổ chức của cơ quan.
author: Văn phòng
# layout: page là trang tĩnh (không nằm trong danh sách tin), địa chỉ /gioi-thieu/
layout: page
# translation_key nối trang này với bản tiếng Anh (content/about.md)
translation_key: about
---

## Chức năng, nhiệm vụ

Ghi vị trí, chức năng và nhiệm vụ của cơ quan theo văn bản quy định.

## Cơ cấu tổ chức

| Đơn vị | Nhiệm vụ chính |
|---|---|
| Văn phòng | Tổng hợp, hành chính, quản trị |
| Phòng Nghiệp vụ | Tham mưu chuyên môn |

## Liên hệ

Địa chỉ, điện thoại và thư điện tử của cơ quan hiện ở chân mọi trang: điền trong tệp `site.toml`,
mục `[agency]`.
"""


def about_en(when: datetime) -> str:
    return f"""\
---
title: About
date: {when.year:04d}-01-01 08:00
summary: The agency's functions, tasks and organisation.
author: Office
lang: en
layout: page
translation_key: about
---

## Functions and tasks

Describe the agency's position, functions and tasks as its founding documents set them out.

## Contact

The agency's address, phone and email appear at the foot of every page: set them in `site.toml`,
under `[agency]`.
"""


def example_article(when: datetime) -> str:
    return "\n".join([
        "---",
        "# Tiêu đề bài (bắt buộc).",
        yaml_line("title", "Chào mừng đến với trang thông tin điện tử mới"),
        "# Ngày giờ đăng (bắt buộc), giờ Việt Nam: 2024-01-09 14:18 hoặc 09/01/2024 14:18.",
        f"date: {when.strftime('%Y-%m-%d %H:%M')}",
        "# Sa-pô: in đậm dưới tiêu đề và trong danh sách tin.",
        yaml_line("summary", "Trang thông tin điện tử của cơ quan được xây dựng bằng sitegen: "
                             "mỗi bài viết là một thư mục gồm tệp index.md và các ảnh của bài."),
        "# Tác giả và nguồn: quy định về cổng thông tin điện tử yêu cầu ghi cả hai.",
        "author: Ban biên tập",
        "source: Ban biên tập",
        "# Từ khóa (thẻ).",
        "tags: [hướng dẫn]",
        "# Ảnh đại diện: tệp nằm cùng thư mục với bài; caption là chú thích, alt là mô tả ảnh,",
        "# credit là tên người chụp (trang tự thêm chữ \"Ảnh:\").",
        "photos:",
        f"  - src: {EXAMPLE_PHOTO}",
        "    caption: Hội trường của cơ quan (ảnh minh họa)",
        "    alt: Tranh vẽ một tòa nhà hàng cột trắng dưới bầu trời xanh, có lá cờ đỏ trên mái",
        "    credit: sitegen",
        "# Bản nháp: true thì chưa đăng.",
        "draft: false",
        "---",
        "",
        "Bài viết này là ví dụ: hãy sửa hoặc xóa thư mục của nó khi trang đã có tin thật.",
        "",
        "## Viết bài mới",
        "",
        "Lệnh `sitegen new \"Tiêu đề bài viết\" --photos anh-1.jpg anh-2.jpg` tạo thư mục bài trong "
        "chuyên mục Tin tức, điền sẵn ngày giờ và chép ảnh vào. Mở tệp `index.md` vừa tạo, điền sa-pô, "
        "tác giả, nguồn, chú thích ảnh rồi viết nội dung.",
        "",
        "## Ảnh giữa bài",
        "",
        "Một ảnh đứng riêng một đoạn sẽ thành ảnh có chú thích bên dưới:",
        "",
        f"![Hội trường nhìn từ sân trước (ảnh minh họa)]({EXAMPLE_PHOTO} \"Ảnh: sitegen\")",
        "",
        "## Xem trước và đăng",
        "",
        "Lệnh `sitegen build` tạo toàn bộ trang trong thư mục `public/`, sẵn sàng đưa lên máy chủ web.",
        "",
    ])


def draw_example_photo(path: Path) -> None:
    """A 1200×800 drawing of a columned hall under a blue sky, with a red flag: deterministic."""
    w, h = 1200, 800
    im = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(im)
    for y in range(h):   # sky fading to pale near the horizon, then a lawn
        if y < 560:
            t = y / 560
            d.line((0, y, w, y), fill=(int(70 + 120 * t), int(130 + 90 * t), int(200 + 40 * t)))
        else:
            t = (y - 560) / 240
            d.line((0, y, w, y), fill=(int(90 - 30 * t), int(160 - 40 * t), int(80 - 20 * t)))
    d.ellipse((980, 80, 1080, 180), fill=(255, 236, 170))
    d.rectangle((230, 300, 970, 600), fill=(238, 232, 218))                     # hall
    d.polygon([(200, 300), (600, 150), (1000, 300)], fill=(206, 196, 178))      # pediment
    d.polygon([(260, 288), (600, 170), (940, 288)], outline=(180, 168, 150), width=4)
    for x in range(262, 940, 84):                                               # columns
        d.rectangle((x, 320, x + 30, 590), fill=(250, 248, 242), outline=(200, 194, 180))
    d.rectangle((540, 460, 660, 600), fill=(120, 84, 60))                       # door
    d.rectangle((190, 600, 1010, 630), fill=(200, 196, 190))                    # steps
    d.rectangle((180, 630, 1020, 650), fill=(186, 182, 176))
    d.line((600, 150, 600, 60), fill=(90, 90, 90), width=5)                     # flag
    d.rectangle((602, 60, 690, 118), fill=(218, 37, 29))
    star = [(646 + r * math.cos(math.radians(-90 + 36 * k)), 89 + r * math.sin(math.radians(-90 + 36 * k)))
            for k, r in zip(range(10), [18, 7] * 5)]
    d.polygon(star, fill=(255, 221, 0))
    im.save(path, "JPEG", quality=85, optimize=True)
