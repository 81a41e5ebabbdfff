#!/usr/bin/env python3
"""Draw the placeholder "news photos" used by the sample site in content/.

Pillow only, no downloads, deterministic: every photo gets its own random
generator seeded from its path, so running the script twice writes the same
pictures. The scenes are simple shapes (a hall with a stage and a banner, rows
of delegates seen from behind, a lectern, a group photo, an award line-up, a
signing table, an office, a classroom) - enough to look like a portal's photos
at thumbnail size and to exercise the image pipeline, never mistaken for real.

Usage:  python scripts/make_sample_photos.py [--root PATH] [--check]

--check only reports which files would change (exit status 1 if any).
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
QUALITY = 82
MAX_BYTES = 150 * 1024

# Colours ------------------------------------------------------------------
RED = (176, 18, 24)
DEEP_RED = (132, 10, 16)
GOLD = (246, 200, 72)
CREAM = (250, 240, 214)
NAVY = (22, 46, 92)
SKIN = [(233, 196, 160), (224, 181, 142), (214, 170, 128), (238, 204, 172)]
HAIR = [(24, 20, 18), (36, 28, 24), (48, 38, 30), (70, 66, 64), (140, 138, 134)]
SUIT = [(30, 34, 44), (44, 48, 58), (26, 40, 70), (60, 60, 64), (84, 74, 64)]
SHIRT = [(238, 240, 244), (214, 228, 244), (246, 246, 240), (190, 208, 230)]
AO_DAI = [(200, 30, 40), (236, 190, 60), (40, 90, 170), (214, 110, 140), (250, 250, 250)]


@dataclass(frozen=True)
class Photo:
    path: str  # relative to the project root
    size: tuple[int, int]
    scene: str
    banner: tuple[str, ...] = ()
    place: str = ""


PHOTOS: list[Photo] = [
    # tin-hoat-dong
    Photo("content/tin-hoat-dong/hoi-nghi-tong-ket-cong-tac-nam-2023/quang-canh.jpg", (1600, 1067),
          "conference", ("BỘ NỘI VỤ", "HỘI NGHỊ TỔNG KẾT CÔNG TÁC NĂM 2023",
                         "VÀ TRIỂN KHAI NHIỆM VỤ NĂM 2024"), "Hà Nội, ngày 12 tháng 01 năm 2024"),
    Photo("content/tin-hoat-dong/hoi-nghi-tong-ket-cong-tac-nam-2023/phat-bieu.jpg", (1200, 800),
          "podium", ("HỘI NGHỊ TỔNG KẾT CÔNG TÁC NĂM 2023",)),
    Photo("content/tin-hoat-dong/hoi-nghi-tong-ket-cong-tac-nam-2023/chup-anh-luu-niem.jpg", (1600, 1067),
          "group", ("BỘ NỘI VỤ", "HỘI NGHỊ TỔNG KẾT CÔNG TÁC NĂM 2023"), "Hà Nội, 12/01/2024"),
    Photo("content/tin-hoat-dong/doan-cong-tac-lam-viec-tai-dien-bien/lam-viec.jpg", (1200, 800),
          "meeting", ("LÀM VIỆC VỚI ĐOÀN CÔNG TÁC BỘ NỘI VỤ",), "Điện Biên, tháng 3/2024"),
    Photo("content/tin-hoat-dong/tap-huan-van-thu-luu-tru-mien-trung/lop-tap-huan.jpg", (1200, 800),
          "classroom", ("TẬP HUẤN NGHIỆP VỤ VĂN THƯ, LƯU TRỮ", "Chuẩn hóa hồ sơ điện tử")),
    Photo("content/tin-hoat-dong/tap-huan-van-thu-luu-tru-mien-trung/giang-vien.jpg", (800, 1200),
          "podium", ("TẬP HUẤN NGHIỆP VỤ",)),
    Photo("content/tin-hoat-dong/so-ket-cong-tac-6-thang-dau-nam-2025/quang-canh.jpg", (1600, 1067),
          "conference", ("BỘ NỘI VỤ", "HỘI NGHỊ SƠ KẾT CÔNG TÁC 6 THÁNG ĐẦU NĂM 2025",
                         "TRIỂN KHAI NHIỆM VỤ 6 THÁNG CUỐI NĂM"), "Hà Nội, tháng 7/2025"),
    Photo("content/tin-hoat-dong/so-ket-cong-tac-6-thang-dau-nam-2025/thu-truong-phat-bieu.jpg", (1200, 800),
          "podium", ("SƠ KẾT CÔNG TÁC 6 THÁNG ĐẦU NĂM 2025",)),
    Photo("content/tin-hoat-dong/hoi-nghi-cong-tac-ton-giao-mien-trung-tay-nguyen/quang-canh.jpg", (1200, 800),
          "conference", ("HỘI NGHỊ TRIỂN KHAI CÔNG TÁC", "QUẢN LÝ NHÀ NƯỚC VỀ TÍN NGƯỠNG, TÔN GIÁO"),
          "Huế, tháng 8/2024"),
    # thi-dua-khen-thuong
    Photo("content/thi-dua-khen-thuong/cum-thi-dua-tay-nguyen-ky-giao-uoc-2024/ky-giao-uoc.jpg", (1600, 1067),
          "signing", ("KÝ KẾT GIAO ƯỚC THI ĐUA NĂM 2024", "CỤM THI ĐUA CÁC TỈNH TÂY NGUYÊN")),
    Photo("content/thi-dua-khen-thuong/cum-thi-dua-tay-nguyen-ky-giao-uoc-2024/chup-anh-luu-niem.jpg", (1200, 800),
          "group", ("CỤM THI ĐUA CÁC TỈNH TÂY NGUYÊN", "HỘI NGHỊ KÝ KẾT GIAO ƯỚC THI ĐUA NĂM 2024")),
    Photo("content/thi-dua-khen-thuong/ton-vinh-dien-hinh-tien-tien-nganh-noi-vu/trao-bang-khen.jpg", (1600, 1067),
          "award", ("LỄ TÔN VINH ĐIỂN HÌNH TIÊN TIẾN", "NGÀNH NỘI VỤ NĂM 2024")),
    Photo("content/thi-dua-khen-thuong/ton-vinh-dien-hinh-tien-tien-nganh-noi-vu/quang-canh.jpg", (1200, 800),
          "conference", ("LỄ TÔN VINH ĐIỂN HÌNH TIÊN TIẾN", "NGÀNH NỘI VỤ NĂM 2024")),
    Photo("content/thi-dua-khen-thuong/dai-hoi-thi-dua-yeu-nuoc-nganh-noi-vu-2025/trao-co-thi-dua.jpg", (1600, 1067),
          "award", ("ĐẠI HỘI THI ĐUA YÊU NƯỚC", "NGÀNH NỘI VỤ LẦN THỨ VI")),
    # cai-cach-hanh-chinh
    Photo("content/cai-cach-hanh-chinh/cong-bo-chi-so-cai-cach-hanh-chinh-2023/cong-bo.jpg", (1600, 1067),
          "conference", ("HỘI NGHỊ CÔNG BỐ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH", "CỦA CÁC ĐƠN VỊ THUỘC BỘ NĂM 2023")),
    Photo("content/cai-cach-hanh-chinh/ra-mat-he-thong-quan-ly-van-ban-dieu-hanh/bam-nut.jpg", (1600, 1067),
          "launch", ("LỄ RA MẮT HỆ THỐNG QUẢN LÝ VĂN BẢN", "VÀ ĐIỀU HÀNH THẾ HỆ MỚI")),
    Photo("content/cai-cach-hanh-chinh/ra-mat-he-thong-quan-ly-van-ban-dieu-hanh/van-hanh.jpg", (1200, 800),
          "office", ("HỆ THỐNG QUẢN LÝ VĂN BẢN",)),
    Photo("content/cai-cach-hanh-chinh/hoi-nghi-chuyen-doi-so-nganh-noi-vu-2025/quang-canh.jpg", (1600, 1067),
          "conference", ("HỘI NGHỊ CHUYỂN ĐỔI SỐ NGÀNH NỘI VỤ", "NĂM 2025"), "Đà Nẵng, tháng 3/2025"),
    Photo("content/cai-cach-hanh-chinh/hoi-nghi-chuyen-doi-so-nganh-noi-vu-2025/trien-lam.jpg", (1200, 800),
          "office", ("KHÔNG GIAN TRẢI NGHIỆM SỐ",)),
    Photo("content/cai-cach-hanh-chinh/tap-huan-chuyen-doi-so-cap-xa/lop-hoc.jpg", (1200, 800),
          "classroom", ("BỒI DƯỠNG KỸ NĂNG SỐ CHO CÔNG CHỨC CẤP XÃ", "Bài 3: Hồ sơ công việc điện tử")),
    # van-ban-chinh-sach
    Photo("content/van-ban-chinh-sach/ky-quy-che-phoi-hop-thi-dua-khen-thuong/ky-ket.jpg", (1200, 800),
          "signing", ("LỄ KÝ KẾT QUY CHẾ PHỐI HỢP", "GIAI ĐOẠN 2024 - 2029")),
    # static/images (referenced as /images/...)
    Photo("static/images/hoi-nghi-tong-ket-2023.jpg", (1200, 800),
          "conference", ("MINISTRY OF HOME AFFAIRS", "REVIEW CONFERENCE 2023"), "Ha Noi, 12 January 2024"),
    Photo("static/images/dai-hoi-thi-dua-2025-toan-canh.jpg", (1600, 1067),
          "conference", ("ĐẠI HỘI THI ĐUA YÊU NƯỚC", "NGÀNH NỘI VỤ LẦN THỨ VI"), "Hà Nội, tháng 6/2025"),
    Photo("static/images/bo-phan-mot-cua.jpg", (1024, 683),
          "office", ("BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",)),
    # Galleries: front-matter photos that the article's body does not show.
    # (New photos go at the end: the grain of finish() comes from Image.effect_noise, which draws
    # from the C library's generator, so a photo depends on how many were drawn before it.)
    Photo("content/thi-dua-khen-thuong/ton-vinh-dien-hinh-tien-tien-nganh-noi-vu/trao-bang-khen-tap-the.jpg",
          (1600, 1067), "award", ("BIỂU DƯƠNG TẬP THỂ TIÊU BIỂU", "NGÀNH NỘI VỤ NĂM 2024")),
    Photo("content/thi-dua-khen-thuong/ton-vinh-dien-hinh-tien-tien-nganh-noi-vu/phat-bieu.jpg", (1200, 800),
          "podium", ("LỄ TÔN VINH ĐIỂN HÌNH TIÊN TIẾN",)),
    Photo("content/thi-dua-khen-thuong/ton-vinh-dien-hinh-tien-tien-nganh-noi-vu/chup-anh-luu-niem.jpg", (1600, 1067),
          "group", ("LỄ TÔN VINH ĐIỂN HÌNH TIÊN TIẾN", "NGÀNH NỘI VỤ NĂM 2024"), "Hà Nội, 20/11/2024"),
    Photo("content/cai-cach-hanh-chinh/hoi-nghi-chuyen-doi-so-nganh-noi-vu-2025/phat-bieu-khai-mac.jpg", (1200, 800),
          "podium", ("HỘI NGHỊ CHUYỂN ĐỔI SỐ NGÀNH NỘI VỤ",)),
    Photo("content/cai-cach-hanh-chinh/hoi-nghi-chuyen-doi-so-nganh-noi-vu-2025/phien-chuyen-de.jpg", (1200, 800),
          "meeting", ("PHIÊN CHUYÊN ĐỀ: DỮ LIỆU CÔNG CHỨC",), "Đà Nẵng, 14/3/2025"),
]


# Helpers ------------------------------------------------------------------

def font(size: int, bold: bool = False) -> ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for candidate in (FONT_DIR / name, FONT_DIR / "DejaVuSans.ttf"):
        if candidate.exists():
            return ImageFont.truetype(str(candidate), size)
    try:
        return ImageFont.load_default(size=size)  # Pillow >= 10.1
    except TypeError:
        return ImageFont.load_default()


def mix(a, b, t: float):
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))


def jitter(rng: random.Random, colour, amount: int = 10):
    return tuple(max(0, min(255, c + rng.randint(-amount, amount))) for c in colour)


def vgradient(draw: ImageDraw.ImageDraw, box, top, bottom) -> None:
    x0, y0, x1, y1 = box
    h = max(1, y1 - y0)
    for y in range(y0, y1):
        draw.line([(x0, y), (x1, y)], fill=mix(top, bottom, (y - y0) / h))


def text_centered(draw, cx, y, text, fnt, fill, max_width=None):
    w = draw.textlength(text, font=fnt)
    if max_width and w > max_width:  # shrink to fit
        size = max(8, int(fnt.size * max_width / w)) if hasattr(fnt, "size") else None
        if size:
            fnt = font(size, bold=True)
            w = draw.textlength(text, font=fnt)
    draw.text((cx - w / 2, y), text, font=fnt, fill=fill)
    return fnt


def star(cx, cy, r_out, r_in, n=5):
    import math
    pts = []
    for i in range(n * 2):
        r = r_out if i % 2 == 0 else r_in
        a = -math.pi / 2 + i * math.pi / n
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def emblem(draw, cx, cy, r):
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=GOLD)
    draw.ellipse([cx - r * 0.86, cy - r * 0.86, cx + r * 0.86, cy + r * 0.86], fill=RED)
    draw.polygon(star(cx, cy, r * 0.62, r * 0.25), fill=GOLD)


def room(img, rng, wall_top=(236, 226, 204), wall_bottom=(206, 190, 160), floor=(120, 40, 36)):
    """Walls, ceiling with lights and a carpet floor; returns the horizon y."""
    W, H = img.size
    d = ImageDraw.Draw(img)
    horizon = int(H * 0.62)
    vgradient(d, (0, 0, W, int(H * 0.12)), (70, 62, 56), (120, 108, 94))
    vgradient(d, (0, int(H * 0.12), W, horizon), wall_top, wall_bottom)
    vgradient(d, (0, horizon, W, H), mix(floor, (0, 0, 0), 0.1), mix(floor, (255, 255, 255), 0.1))
    # ceiling lights
    for i in range(7):
        x = W * (i + 0.5) / 7
        d.ellipse([x - W * 0.025, H * 0.04, x + W * 0.025, H * 0.07], fill=(255, 248, 226))
    # wall pilasters
    for x in (W * 0.04, W * 0.96):
        d.rectangle([x - W * 0.02, H * 0.12, x + W * 0.02, horizon], fill=mix(wall_bottom, (0, 0, 0), 0.08))
    return horizon


def banner(img, box, lines, place="", colour=RED):
    d = ImageDraw.Draw(img)
    x0, y0, x1, y1 = [int(v) for v in box]
    vgradient(d, (x0, y0, x1, y1), mix(colour, (255, 255, 255), 0.08), mix(colour, (0, 0, 0), 0.25))
    d.rectangle([x0, y0, x1, y1], outline=GOLD, width=max(2, (x1 - x0) // 300))
    h = y1 - y0
    w = x1 - x0
    r = h * 0.16
    emblem(d, x0 + w / 2, y0 + h * 0.2, r)
    n = max(1, len(lines))
    y = y0 + h * 0.2 + r * 1.3
    space = (y1 - h * 0.08 - y) / (n + (0.6 if place else 0))
    for i, line in enumerate(lines):
        size = int(min(space * 0.62, w / max(12, len(line)) * 1.45))
        fill = GOLD if i == 0 and len(lines) > 1 else CREAM
        text_centered(d, x0 + w / 2, y + i * space, line, font(size, bold=True), fill, max_width=w * 0.92)
    if place:
        size = int(min(space * 0.4, w / max(12, len(place)) * 1.3))
        text_centered(d, x0 + w / 2, y + n * space + space * 0.05, place, font(size), CREAM, max_width=w * 0.9)


def flowers(d, rng, x0, x1, y, scale):
    x = x0
    while x < x1:
        for _ in range(6):
            fx = x + rng.uniform(-scale, scale)
            fy = y + rng.uniform(-scale * 0.6, scale * 0.3)
            r = scale * rng.uniform(0.25, 0.4)
            d.ellipse([fx - r, fy - r, fx + r, fy + r], fill=rng.choice([(238, 200, 40), (226, 60, 50), (250, 236, 120), (240, 120, 60)]))
        d.ellipse([x - scale * 0.6, y, x + scale * 0.6, y + scale * 0.5], fill=(40, 110, 50))
        x += scale * 2.2


def person_back(d, rng, cx, cy, s):
    """A seated delegate seen from behind: shoulders and head; (cx, cy) is the head centre."""
    body = rng.choice(SUIT + SHIRT)
    d.rounded_rectangle([cx - s * 1.1, cy + s * 0.55, cx + s * 1.1, cy + s * 2.6], radius=int(s * 0.5), fill=jitter(rng, body, 6))
    d.ellipse([cx - s * 0.55, cy - s * 0.7, cx + s * 0.55, cy + s * 0.75], fill=jitter(rng, rng.choice(HAIR), 6))


def person_front(d, rng, cx, top, s, female=None, hold=None):
    """A standing person facing the camera; top = top of the head; s = head radius."""
    if female is None:
        female = rng.random() < 0.4
    skin = rng.choice(SKIN)
    hair = rng.choice(HAIR[:3])
    head_cy = top + s
    if female:
        dress = rng.choice(AO_DAI)
        d.polygon([(cx - s * 1.0, head_cy + s * 1.2), (cx + s * 1.0, head_cy + s * 1.2),
                   (cx + s * 1.35, head_cy + s * 7.6), (cx - s * 1.35, head_cy + s * 7.6)], fill=jitter(rng, dress, 8))
        d.ellipse([cx - s * 1.05, top - s * 0.15, cx + s * 1.05, head_cy + s * 1.5], fill=hair)
    else:
        suit = rng.choice(SUIT)
        d.polygon([(cx - s * 1.35, head_cy + s * 1.3), (cx + s * 1.35, head_cy + s * 1.3),
                   (cx + s * 1.3, head_cy + s * 5.2), (cx - s * 1.3, head_cy + s * 5.2)], fill=suit)
        d.polygon([(cx - s * 0.45, head_cy + s * 1.3), (cx + s * 0.45, head_cy + s * 1.3), (cx, head_cy + s * 2.6)], fill=rng.choice(SHIRT))
        d.polygon([(cx - s * 0.12, head_cy + s * 1.45), (cx + s * 0.12, head_cy + s * 1.45), (cx, head_cy + s * 2.5)], fill=rng.choice([(150, 20, 30), (30, 50, 110), (80, 80, 90)]))
        d.rectangle([cx - s * 1.0, head_cy + s * 5.2, cx - s * 0.1, head_cy + s * 7.6], fill=mix(suit, (0, 0, 0), 0.2))
        d.rectangle([cx + s * 0.1, head_cy + s * 5.2, cx + s * 1.0, head_cy + s * 7.6], fill=mix(suit, (0, 0, 0), 0.2))
    d.rectangle([cx - s * 0.3, head_cy + s * 0.7, cx + s * 0.3, head_cy + s * 1.4], fill=mix(skin, (0, 0, 0), 0.1))
    d.ellipse([cx - s * 0.8, top, cx + s * 0.8, head_cy + s], fill=skin)
    d.chord([cx - s * 0.85, top - s * 0.1, cx + s * 0.85, head_cy + s * 0.6], 180, 360, fill=hair)
    if hold == "certificate":
        d.rectangle([cx - s * 1.3, head_cy + s * 2.2, cx + s * 1.3, head_cy + s * 4.0], fill=GOLD)
        d.rectangle([cx - s * 1.15, head_cy + s * 2.35, cx + s * 1.15, head_cy + s * 3.85], fill=(252, 246, 230))
        d.ellipse([cx - s * 0.3, head_cy + s * 2.5, cx + s * 0.3, head_cy + s * 3.1], fill=RED)
    elif hold == "flowers":
        flowers(d, rng, cx - s * 0.8, cx + s * 0.8, head_cy + s * 2.6, s * 0.55)
    elif hold == "flag":
        d.line([(cx + s * 1.2, head_cy - s * 2.5), (cx + s * 1.2, head_cy + s * 4.5)], fill=(200, 170, 90), width=max(2, int(s * 0.15)))
        d.polygon([(cx + s * 1.2, head_cy - s * 2.5), (cx + s * 4.2, head_cy - s * 2.0), (cx + s * 4.0, head_cy + s * 0.8), (cx + s * 1.2, head_cy + s * 0.4)], fill=RED)
        d.polygon(star(cx + s * 2.6, head_cy - s * 0.8, s * 0.7, s * 0.28), fill=GOLD)


def stage(img, rng, horizon, lines, place, depth=0.0):
    W, H = img.size
    d = ImageDraw.Draw(img)
    top = int(H * (0.16 + depth))
    stage_y = horizon - int(H * 0.02)
    banner(img, (W * 0.16, top, W * 0.84, stage_y - H * 0.12), lines, place)
    # flags either side
    for fx in (W * 0.1, W * 0.9):
        d.rectangle([fx - W * 0.045, top, fx + W * 0.045, top + H * 0.2], fill=RED)
        d.polygon(star(fx, top + H * 0.1, W * 0.03, W * 0.012), fill=GOLD)
    # stage front
    d.rectangle([0, stage_y, W, stage_y + H * 0.05], fill=(96, 30, 28))
    d.rectangle([0, stage_y - H * 0.005, W, stage_y + H * 0.004], fill=GOLD)
    return stage_y


def presidium(img, rng, y, n, scale):
    """A long table of presiding officials in front of the banner."""
    W, H = img.size
    d = ImageDraw.Draw(img)
    x0, x1 = W * 0.22, W * 0.78
    for i in range(n):
        cx = x0 + (x1 - x0) * (i + 0.5) / n
        person_front(d, rng, cx, y - scale * 4.3, scale)
    # the table's skirt hides the officials' legs
    d.rectangle([x0 - scale, y, x1 + scale, y + scale * 4.5], fill=(250, 250, 250))
    d.rectangle([x0 - scale, y + scale * 3.8, x1 + scale, y + scale * 4.5], fill=RED)
    flowers(d, rng, x0, x1, y + scale * 0.1, scale * 0.7)


def audience(img, rng, start_y, rows, base, spread=1.0):
    W, H = img.size
    d = ImageDraw.Draw(img)
    for r in range(rows):
        t = r / max(1, rows - 1)
        s = base * (0.55 + 1.3 * t)
        y = start_y + (H - start_y) * (t ** 1.1) * 0.95
        # desk row in front of the seats
        d.rectangle([0, y + s * 0.9, W, y + s * 1.4], fill=(236, 236, 232))
        d.rectangle([0, y + s * 1.4, W, y + s * 1.8], fill=(40, 80, 140))
        n = int(W / (s * 2.6 * spread))
        off = rng.uniform(0, s * 2.6 * spread)
        for i in range(n + 1):
            if rng.random() < 0.08:
                continue
            person_back(d, rng, off + i * s * 2.6 * spread + rng.uniform(-s * 0.2, s * 0.2), y + s * 1.2, s)


def finish(img, rng):
    """Soft focus, a little grain and a vignette, like a quick press photo."""
    W, H = img.size
    img = img.filter(ImageFilter.GaussianBlur(radius=max(0.8, W / 1400)))
    noise = Image.effect_noise((W // 4, H // 4), 10).resize((W, H), Image.BILINEAR)
    grain = Image.merge("RGB", (noise, noise, noise))
    img = Image.blend(img, grain, 0.04)
    vig = Image.new("L", (64, 64), 0)
    vd = ImageDraw.Draw(vig)
    for i in range(32):
        vd.ellipse([i - 12, i - 12, 75 - i, 75 - i], fill=int(255 * min(1, i / 20)))
    vig = vig.filter(ImageFilter.GaussianBlur(6)).resize((W, H), Image.BILINEAR)
    dark = Image.new("RGB", (W, H), (20, 14, 10))
    return Image.composite(img, dark, vig.point(lambda v: 150 + v * 105 // 255))


# Scenes -------------------------------------------------------------------

def scene_conference(img, rng, p):
    W, H = img.size
    horizon = room(img, rng)
    stage_y = stage(img, rng, horizon, p.banner, p.place)
    presidium(img, rng, stage_y - H * 0.07, 5 if W > H else 3, H * 0.022)
    audience(img, rng, stage_y + H * 0.06, 5, H * 0.035)


def scene_podium(img, rng, p):
    W, H = img.size
    d = ImageDraw.Draw(img)
    vgradient(d, (0, 0, W, H), (150, 24, 30), (92, 10, 16))
    # out-of-focus banner text behind the speaker
    big = font(int(min(W, H) * 0.07), bold=True)
    for i, line in enumerate(p.banner * 2):
        d.text((W * 0.04, H * (0.08 + i * 0.12)), line, font=big, fill=(200, 150, 80))
    img.paste(img.filter(ImageFilter.GaussianBlur(radius=min(W, H) * 0.008)))
    s = min(W, H) * 0.09
    cx = W * 0.5
    person_front(d, rng, cx, H * 0.28, s, female=rng.random() < 0.3)
    # lectern
    lx0, lx1 = cx - W * 0.22, cx + W * 0.22
    ly = H * 0.28 + s * 4.4
    d.polygon([(lx0, ly), (lx1, ly), (lx1 - W * 0.03, H), (lx0 + W * 0.03, H)], fill=(110, 62, 30))
    d.rectangle([lx0 - W * 0.02, ly - s * 0.3, lx1 + W * 0.02, ly + s * 0.2], fill=(140, 82, 40))
    emblem(d, cx, ly + (H - ly) * 0.35, min(W, H) * 0.07)
    # microphones
    for dx in (-0.3, 0.3):
        d.line([(cx + dx * s, ly), (cx + dx * s * 0.4, ly - s * 1.6)], fill=(30, 30, 30), width=max(2, int(s * 0.08)))
        d.ellipse([cx + dx * s * 0.4 - s * 0.15, ly - s * 1.8, cx + dx * s * 0.4 + s * 0.15, ly - s * 1.5], fill=(20, 20, 20))
    flowers(d, rng, lx0, lx1, ly + s * 0.1, s * 0.35)


def scene_group(img, rng, p):
    W, H = img.size
    horizon = room(img, rng)
    stage(img, rng, horizon, p.banner, p.place, depth=-0.06)
    d = ImageDraw.Draw(img)
    s = H * 0.045
    for row, (y, n) in enumerate(((H * 0.42, 12), (H * 0.52, 11))):
        span = W * (0.88 if row == 0 else 0.84)
        for i in range(n):
            cx = (W - span) / 2 + span * (i + 0.5) / n + rng.uniform(-s * 0.2, s * 0.2)
            person_front(d, rng, cx, y + rng.uniform(-s * 0.2, s * 0.2), s * (1 + row * 0.08),
                         hold="flowers" if row == 1 and rng.random() < 0.2 else None)


def scene_award(img, rng, p):
    W, H = img.size
    horizon = room(img, rng)
    stage_y = stage(img, rng, horizon, p.banner, p.place, depth=-0.04)
    d = ImageDraw.Draw(img)
    s = H * 0.05
    n = 9
    for i in range(n):
        cx = W * 0.08 + W * 0.84 * (i + 0.5) / n
        hold = "certificate" if i % 3 else ("flag" if i == 3 else "flowers")
        person_front(d, rng, cx, stage_y - s * 8.2, s, hold=hold)
    audience(img, rng, stage_y + H * 0.12, 3, H * 0.05)


def scene_meeting(img, rng, p):
    W, H = img.size
    d = ImageDraw.Draw(img)
    vgradient(d, (0, 0, W, int(H * 0.55)), (226, 218, 200), (200, 190, 170))
    vgradient(d, (0, int(H * 0.55), W, H), (150, 110, 80), (110, 74, 50))
    banner(img, (W * 0.2, H * 0.05, W * 0.8, H * 0.3), p.banner, p.place, colour=NAVY)
    # a U of tables: the far side with people facing us, the near sides with backs
    s = H * 0.035
    for i in range(7):
        person_front(d, rng, W * 0.2 + W * 0.6 * (i + 0.5) / 7, H * 0.36, s)
    d.rectangle([W * 0.14, H * 0.46, W * 0.86, H * 0.52], fill=(248, 248, 246))
    d.rectangle([W * 0.14, H * 0.5, W * 0.86, H * 0.53], fill=(46, 110, 70))
    flowers(d, rng, W * 0.3, W * 0.7, H * 0.58, s * 0.8)
    for side in (0, 1):
        for i in range(4):
            t = i / 3
            x = W * (0.1 + 0.08 * t) if side == 0 else W * (0.9 - 0.08 * t)
            y = H * (0.9 - 0.28 * t)
            d.polygon([(x - W * 0.06, y + s * 2), (x + W * 0.06, y + s * 2), (x + W * 0.05, y - s), (x - W * 0.05, y - s)], fill=(248, 248, 246))
            person_back(d, rng, x + (W * 0.05 if side == 0 else -W * 0.05), y - s * 0.5, s * (1.6 - 0.5 * t))


def scene_signing(img, rng, p):
    W, H = img.size
    horizon = room(img, rng)
    stage_y = stage(img, rng, horizon, p.banner, p.place, depth=-0.04)
    d = ImageDraw.Draw(img)
    s = H * 0.05
    for i in range(6):  # witnesses standing behind
        person_front(d, rng, W * 0.25 + W * 0.5 * (i + 0.5) / 6, stage_y - H * 0.3, s * 0.85)
    for cx in (W * 0.38, W * 0.62):  # the two signatories, seated
        person_front(d, rng, cx, stage_y - H * 0.12, s, female=False)
    ty = stage_y + H * 0.04
    d.rectangle([W * 0.18, ty, W * 0.82, ty + H * 0.27], fill=(180, 26, 32))
    d.rectangle([W * 0.18, ty, W * 0.82, ty + H * 0.02], fill=(250, 250, 250))
    for cx in (W * 0.38, W * 0.62):
        d.polygon([(cx - W * 0.06, ty + H * 0.005), (cx + W * 0.05, ty - H * 0.005), (cx + W * 0.06, ty + H * 0.03), (cx - W * 0.05, ty + H * 0.04)], fill=(40, 60, 110))
        d.line([(cx + W * 0.01, ty), (cx + W * 0.04, ty - H * 0.03)], fill=(20, 20, 20), width=3)
    for fx in (W * 0.22, W * 0.5, W * 0.78):  # desk flags
        d.line([(fx, ty), (fx, ty - H * 0.08)], fill=(200, 180, 120), width=3)
        d.rectangle([fx, ty - H * 0.08, fx + W * 0.035, ty - H * 0.055], fill=RED)
    flowers(d, rng, W * 0.2, W * 0.8, ty + H * 0.2, s * 0.6)
    audience(img, rng, ty + H * 0.3, 2, H * 0.06)


def screen(d, rng, box, title=""):
    x0, y0, x1, y1 = box
    d.rectangle(box, fill=(24, 24, 28))
    ix0, iy0, ix1, iy1 = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.06, x1 - (x1 - x0) * 0.04, y1 - (y1 - y0) * 0.06
    d.rectangle([ix0, iy0, ix1, iy1], fill=(236, 242, 250))
    d.rectangle([ix0, iy0, ix1, iy0 + (iy1 - iy0) * 0.14], fill=(160, 20, 28))
    for k in range(5):
        ly = iy0 + (iy1 - iy0) * (0.24 + k * 0.14)
        d.rectangle([ix0 + (ix1 - ix0) * 0.05, ly, ix0 + (ix1 - ix0) * rng.uniform(0.5, 0.92), ly + (iy1 - iy0) * 0.06], fill=rng.choice([(170, 190, 220), (200, 210, 226), (120, 160, 210)]))


def scene_office(img, rng, p):
    W, H = img.size
    d = ImageDraw.Draw(img)
    vgradient(d, (0, 0, W, int(H * 0.6)), (232, 236, 238), (206, 212, 216))
    vgradient(d, (0, int(H * 0.6), W, H), (180, 176, 168), (150, 144, 136))
    # wall sign
    d.rectangle([W * 0.2, H * 0.06, W * 0.8, H * 0.17], fill=RED)
    text_centered(d, W / 2, H * 0.085, p.banner[0] if p.banner else "", font(int(H * 0.05), bold=True), CREAM, max_width=W * 0.56)
    emblem(d, W * 0.13, H * 0.115, H * 0.05)
    # big display on the wall
    screen(d, rng, (W * 0.3, H * 0.2, W * 0.7, H * 0.46))
    # desks with monitors and staff
    for row, (y, s) in enumerate(((H * 0.52, H * 0.03), (H * 0.7, H * 0.045))):
        n = 4 if row == 0 else 3
        for i in range(n):
            cx = W * (i + 0.5) / n + (W * 0.06 if row == 0 else 0)
            screen(d, rng, (cx - s * 2.2, y - s * 2.6, cx + s * 2.2, y))
            d.rectangle([cx - s * 0.2, y, cx + s * 0.2, y + s * 0.5], fill=(60, 60, 64))
            d.rectangle([cx - s * 4, y + s * 0.5, cx + s * 4, y + s * 1.0], fill=(196, 170, 130))
            person_back(d, rng, cx + s * 0.5, y + s * 0.2, s * 1.1)


def scene_classroom(img, rng, p):
    W, H = img.size
    d = ImageDraw.Draw(img)
    vgradient(d, (0, 0, W, int(H * 0.62)), (240, 236, 226), (214, 206, 190))
    vgradient(d, (0, int(H * 0.62), W, H), (170, 150, 120), (140, 120, 96))
    # projection screen with a slide
    x0, y0, x1, y1 = W * 0.18, H * 0.06, W * 0.72, H * 0.42
    d.rectangle([x0, y0, x1, y1], fill=(250, 250, 250), outline=(120, 120, 120), width=3)
    d.rectangle([x0, y0, x1, y0 + (y1 - y0) * 0.2], fill=(160, 20, 28))
    if p.banner:
        text_centered(d, (x0 + x1) / 2, y0 + (y1 - y0) * 0.05, p.banner[0], font(int((y1 - y0) * 0.09), bold=True), CREAM, max_width=(x1 - x0) * 0.92)
    if len(p.banner) > 1:
        text_centered(d, (x0 + x1) / 2, y0 + (y1 - y0) * 0.3, p.banner[1], font(int((y1 - y0) * 0.08)), NAVY, max_width=(x1 - x0) * 0.9)
    for k in range(4):
        ly = y0 + (y1 - y0) * (0.48 + k * 0.12)
        d.ellipse([x0 + (x1 - x0) * 0.08, ly, x0 + (x1 - x0) * 0.1, ly + (y1 - y0) * 0.04], fill=RED)
        d.rectangle([x0 + (x1 - x0) * 0.13, ly, x0 + (x1 - x0) * rng.uniform(0.5, 0.85), ly + (y1 - y0) * 0.04], fill=(150, 160, 180))
    # the lecturer beside the screen
    person_front(d, rng, W * 0.82, H * 0.16, H * 0.045)
    # rows of trainees
    audience(img, rng, H * 0.5, 4, H * 0.04, spread=1.25)


SCENES = {
    "conference": scene_conference,
    "podium": scene_podium,
    "group": scene_group,
    "award": scene_award,
    "meeting": scene_meeting,
    "signing": scene_signing,
    "office": scene_office,
    "classroom": scene_classroom,
    "launch": None,  # set below
}


def scene_launch(img, rng, p):
    """Officials on stage pressing the launch button in front of a big screen."""
    W, H = img.size
    horizon = room(img, rng, wall_top=(40, 52, 90), wall_bottom=(20, 28, 56), floor=(40, 40, 60))
    d = ImageDraw.Draw(img)
    banner(img, (W * 0.14, H * 0.1, W * 0.86, H * 0.46), p.banner, p.place, colour=NAVY)
    stage_y = horizon
    d.rectangle([0, stage_y, W, stage_y + H * 0.05], fill=(30, 30, 50))
    s = H * 0.045
    for i in range(6):
        cx = W * 0.2 + W * 0.6 * (i + 0.5) / 6
        person_front(d, rng, cx, stage_y - s * 7.6, s)
    # the launch pedestal with a glowing globe
    d.rectangle([W * 0.42, stage_y - H * 0.13, W * 0.58, stage_y], fill=(220, 224, 236))
    d.ellipse([W * 0.47, stage_y - H * 0.2, W * 0.53, stage_y - H * 0.11], fill=(120, 200, 255))
    audience(img, rng, stage_y + H * 0.12, 3, H * 0.05)


SCENES["launch"] = scene_launch


def render(p: Photo) -> bytes:
    rng = random.Random(zlib.crc32(p.path.encode("utf-8")))
    img = Image.new("RGB", p.size, (200, 200, 200))
    SCENES[p.scene](img, rng, p)
    img = finish(img, rng)
    for quality in (QUALITY, 76, 70, 64):
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=quality, optimize=True)
        if buf.tell() <= MAX_BYTES:
            break
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=ROOT, help="project root (default: this repo)")
    ap.add_argument("--check", action="store_true", help="only report files that would change")
    args = ap.parse_args(argv)
    changed, total = [], 0
    for p in PHOTOS:
        data = render(p)
        total += len(data)
        target = args.root / p.path
        if target.exists() and target.read_bytes() == data:
            continue
        changed.append(p.path)
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        print(f"{'would write' if args.check else 'wrote'} {p.path} ({len(data) // 1024} KB)")
    print(f"{len(PHOTOS)} photos, {total / 1024 / 1024:.2f} MB in all, {len(changed)} changed")
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
