"""Fixtures for `sitegen check`: a small clean site written into tmp_path, and ways to check it."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from sitegen.check.options import CheckOptions
from sitegen.check.runner import CheckResult, run_check

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))

SITE_TOML = """\
title = "Cổng thử nghiệm kiểm tra"
base_url = "https://kiem-tra.example.gov.vn/"

[agency]
name = "SỞ KIỂM TRA"
name_en = "DEPARTMENT OF CHECKS"
emblem = "/images/quoc-huy.svg"
address = "Số 1 phố Thử Nghiệm, Hà Nội"
phone = "024 0000 0000"
email = "lienhe@kiem-tra.example.gov.vn"
responsible = "Chánh Văn phòng Sở"
copyright = "© Sở Kiểm tra"

[languages.en]
title = "Department of Checks"
"""

FILES = {
    "static/images/quoc-huy.svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
                                  '<circle cx="5" cy="5" r="4" fill="#c00"/></svg>\n',
    "content/gioi-thieu.md": """\
---
title: Giới thiệu
---

Sở Kiểm tra là cơ quan thử nghiệm của trang mẫu.
""",
    "content/about.en.md": """\
---
title: About us
---

The Department of Checks is the test agency of this sample site.
""",
    "content/tin-tuc/_index.md": "---\ntitle: Tin tức\n---\n",
    # URL: /tin-tuc/2024/01/hoi-nghi/
    "content/tin-tuc/hoi-nghi/index.md": """\
---
title: Hội nghị tổng kết công tác năm 2023
date: 2024-01-09 14:18
summary: Sáng 09/01, Sở Kiểm tra tổ chức Hội nghị tổng kết công tác năm 2023.
author: Phòng Truyền thông
source: Cổng thông tin Sở Kiểm tra
photos:
  - src: quang-canh.jpg
    caption: Quang cảnh Hội nghị
    credit: Thu Hà
---

Hội nghị đánh giá kết quả năm 2023 và bàn nhiệm vụ năm 2024, xem [phần kết quả](#ket-qua-noi-bat).

## Kết quả nổi bật

Sở đã hoàn thành các nhiệm vụ được giao; chi tiết xem [bài tập huấn](../tap-huan.md#noi-dung)
và trang [Giới thiệu](/gioi-thieu/).

![Quang cảnh Hội nghị](quang-canh.jpg)
""",
    # URL: /tin-tuc/2024/03/tap-huan/
    "content/tin-tuc/tap-huan.md": """\
---
title: Tập huấn nghiệp vụ văn thư năm 2024
date: 2024-03-05 10:00
summary: Sở Kiểm tra mở lớp tập huấn nghiệp vụ văn thư cho công chức.
author: Phòng Tổ chức
source: {name: Cổng thông tin Sở Kiểm tra, url: "https://kiem-tra.example.gov.vn/"}
---

Lớp tập huấn kéo dài hai ngày, tiếp nối [hội nghị tổng kết](hoi-nghi/index.md).

## Nội dung

Học viên được hướng dẫn lập hồ sơ điện tử.
""",
}


def make_site(root: Path) -> Path:
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    Image.new("RGB", (120, 80), (40, 90, 160)).save(root / "content/tin-tuc/hoi-nghi/quang-canh.jpg", "JPEG")
    return root


@pytest.fixture
def site(tmp_path) -> Path:
    """A small site that `sitegen check` finds nothing wrong with; tests plant one problem each."""
    return make_site(tmp_path / "site")


def check(site: Path, **kw) -> CheckResult:
    return run_check(CheckOptions(site=site, now=kw.pop("now", NOW), **kw))


def write(site: Path, rel: str, text: str) -> Path:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def found(result: CheckResult) -> list[tuple[str, int | None, str, bool]]:
    """Every finding as (path, line, the text after 'path:line: ', warning)."""
    out = []
    for e in result.findings:
        where = e.path + (f":{e.line}" if e.line else "")
        out.append((e.path, e.line, str(e)[len(where) + 2:], e.warning))
    return out
