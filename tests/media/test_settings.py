"""The [images] table of site.toml: typed values and defaults, and errors that name the key, its line
and a fix (unknown keys get a "did you mean")."""
from __future__ import annotations

import pytest

from sitegen.config import ImagesConfig, load_config
from sitegen.errors import BuildFailed
from sitetest import SITES

MINIMAL = (SITES / "minimal" / "site.toml").read_text("utf-8")


def config(tmp_path, images: str):
    (tmp_path / "site.toml").write_text(MINIMAL + "\n[images]\n" + images + "\n", "utf-8")
    return load_config(tmp_path).images


def errors(tmp_path, images: str):
    with pytest.raises(BuildFailed) as info:
        config(tmp_path, images)
    return info.value.errors


def test_defaults(tmp_path):
    (tmp_path / "site.toml").write_text(MINIMAL, "utf-8")
    images = load_config(tmp_path).images
    assert images == ImagesConfig()
    assert images.widths == (480, 800, 1200, 1600) and images.thumb_aspect == (3, 2)
    assert images.formats == ("webp", "jpeg") and images.og_width == 1200 and images.missing_alt == "error"


def test_every_setting(tmp_path):
    images = config(tmp_path, 'widths = [1600, 640, 320, 640]\nthumb_widths = [200, 400]\nthumb_aspect = "4:3"\n'
                              'quality = 70\nformats = ["avif", "WebP", "jpeg"]\nog_width = 1000\n'
                              'sizes = "(min-width: 60em) 40rem, 100vw"\nmissing_alt = "warning"\nworkers = 3')
    assert images.widths == (320, 640, 1600) and images.thumb_widths == (200, 400)
    assert images.thumb_aspect == (4, 3) and images.quality == 70
    assert images.formats == ("avif", "webp", "jpeg") and images.fallback == "jpeg"
    assert (images.og_width, images.missing_alt, images.workers) == (1000, "warning", 3)


def test_unknown_key_says_did_you_mean(tmp_path):
    [err] = errors(tmp_path, "widht = [400]")
    assert err.field == "images.widht" and "did you mean 'widths'" in err.hint
    assert err.line == MINIMAL.count("\n") + 3


@pytest.mark.parametrize("setting, field, words", [
    ("widths = []", "images.widths", "widths in pixels"),
    ("widths = [0, 400]", "images.widths", "widths in pixels"),
    ("widths = [100000]", "images.widths", "widths in pixels"),
    ('widths = "800"', "images.widths", "must be a list"),
    ('thumb_aspect = "ba phần hai"', "images.thumb_aspect", "not an aspect ratio"),
    ('thumb_aspect = "10:1"', "images.thumb_aspect", "not an aspect ratio"),
    ("quality = 0", "images.quality", "between 1 and 100"),
    ("quality = true", "images.quality", "whole number"),
    ('formats = ["webp", "jpg"]', "images.formats", "unknown image format 'jpg'"),
    ('formats = ["gif"]', "images.formats", "unknown image format"),
    ('formats = ["jpeg", "jpeg"]', "images.formats", "twice"),
    ("formats = []", "images.formats", "must not be empty"),
    ("og_width = 50", "images.og_width", "between 200"),
    ('missing_alt = "warn"', "images.missing_alt", '"error" or "warning"'),
    ('sizes = "<script>"', "images.sizes", "CSS sizes"),
    ("workers = -1", "images.workers", "between 0 and 256"),
])
def test_bad_values(tmp_path, setting, field, words):
    [err] = errors(tmp_path, setting)
    assert err.field == field and words in err.message, err


def test_did_you_mean_for_a_format(tmp_path):
    [err] = errors(tmp_path, 'formats = ["webp", "jpg"]')
    assert "did you mean 'jpeg'" in err.hint


def test_images_must_be_a_table(tmp_path):
    (tmp_path / "site.toml").write_text(MINIMAL.replace("[agency]", 'images = "webp"\n\n[agency]'), "utf-8")
    with pytest.raises(BuildFailed) as info:
        load_config(tmp_path)
    assert [e.field for e in info.value.errors] == ["images"]
