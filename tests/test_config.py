"""site.toml → SiteConfig: typed values, and errors that name the key, its line and a fix."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from sitegen.config import SiteConfig, load_config
from sitegen.errors import BuildFailed

from sitetest import SITES

MINIMAL = (SITES / "minimal" / "site.toml").read_text("utf-8")


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "site.toml").write_text(text, "utf-8")
    return tmp_path


def errors(tmp_path: Path, text: str) -> list:
    with pytest.raises(BuildFailed) as info:
        load_config(write(tmp_path, text))
    return info.value.errors


def line_of(text: str, needle: str) -> int:
    return next(no for no, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_basic_test_site_loads_into_typed_values():
    cfg = load_config(SITES / "basic")
    assert isinstance(cfg, SiteConfig)
    assert cfg.base_url == "https://thu-nghiem.example.gov.vn/"
    assert cfg.paginate == 2 and isinstance(cfg.paginate, int)
    assert cfg.tz.key == "Asia/Ho_Chi_Minh"
    assert cfg.all_languages == ("vi", "en")
    assert cfg.lang_prefix("vi") == "" and cfg.lang_prefix("en") == "/en"
    assert cfg.counter.site_total == 113000000
    assert cfg.agency.name == "BỘ THỬ NGHIỆM"
    with pytest.raises(AttributeError):
        cfg.title = "changed"   # frozen


def test_the_repository_sample_config_loads():
    from sitetest import REPO
    cfg = load_config(REPO)
    assert cfg.base_url.endswith("/") and cfg.language == "vi"


def test_defaults_and_trailing_slash(tmp_path):
    cfg = load_config(write(tmp_path, MINIMAL.replace("gov.vn/", "gov.vn")))
    assert cfg.base_url == "https://toi-gian.example.gov.vn/"
    assert (cfg.timezone, cfg.theme, cfg.paginate, cfg.language) == ("Asia/Ho_Chi_Minh", "moha", 10, "vi")
    assert cfg.permalink == "/{section}/{year}/{month}/{slug}/"


def test_unknown_top_level_key_says_did_you_mean_with_its_line(tmp_path):
    text = MINIMAL.replace("base_url", "paginat = 5\nbase_url")
    [err] = errors(tmp_path, text)
    assert (err.path, err.field, err.line) == ("site.toml", "paginat", line_of(text, "paginat"))
    assert "did you mean 'paginate'" in err.hint


def test_unknown_key_in_a_table(tmp_path):
    text = MINIMAL + 'adress = "Số 8 Tôn Thất Thuyết"\n'
    [err] = errors(tmp_path, text)
    assert (err.field, err.line) == ("agency.adress", line_of(text, "adress"))
    assert "did you mean 'address'" in err.hint


def test_unknown_key_in_a_language_table(tmp_path):
    text = MINIMAL + '\n[languages.en]\ntitle = "Portal"\ndescripton = "x"\n'
    [err] = errors(tmp_path, text)
    assert (err.field, err.line) == ("languages.en.descripton", line_of(text, "descripton"))
    assert "did you mean 'description'" in err.hint


@pytest.mark.parametrize("value", ["toi-gian.example.gov.vn", "ftp://toi-gian.example.gov.vn/", "https://", "/tin-tuc/"])
def test_bad_base_url(tmp_path, value):
    text = MINIMAL.replace("https://toi-gian.example.gov.vn/", value)
    [err] = errors(tmp_path, text)
    assert (err.field, err.line) == ("base_url", line_of(text, "base_url"))
    assert "http" in err.message


@pytest.mark.parametrize("value", ["Asia/Hanoi", "GMT+7", "", "../../etc/passwd"])
def test_bad_timezone(tmp_path, value):
    text = MINIMAL.replace("base_url", f'timezone = "{value}"\nbase_url')
    [err] = errors(tmp_path, text)
    assert (err.field, err.line) == ("timezone", line_of(text, "timezone"))
    assert "Asia/Ho_Chi_Minh" in err.hint


def test_broken_toml_names_its_line(tmp_path):
    text = MINIMAL + '\n[counter]\nsite_total = 113.014.880\n'
    [err] = errors(tmp_path, text)
    assert err.path == "site.toml"
    assert err.line == line_of(text, "site_total")
    assert "TOML" in err.message


def test_unclosed_string_names_its_line(tmp_path):
    text = MINIMAL.replace('title = "Cổng tối giản"', 'title = "Cổng tối giản')
    [err] = errors(tmp_path, text)
    assert err.line == line_of(text, "title =")


@pytest.mark.parametrize("setting, field, words", [
    ('paginate = "10"', "paginate", "whole number"),
    ("paginate = 0", "paginate", "between"),
    ("paginate = true", "paginate", "whole number"),
    ('language = "fr"', "language", "unsupported"),
    ('permalink = "/{section}/{slug}"', "permalink", "{slug}"),
    ('permalink = "/{section}/{week}/{slug}/"', "permalink", "{week}"),
])
def test_bad_values(tmp_path, setting, field, words):
    text = MINIMAL.replace("base_url", f"{setting}\nbase_url")
    [err] = errors(tmp_path, text)
    assert (err.field, err.line) == (field, line_of(text, setting))
    assert words in err.message


def test_missing_required_settings(tmp_path):
    found = {e.field for e in errors(tmp_path, 'description = "x"\n')}
    assert {"title", "base_url", "agency"} <= found


def test_every_config_error_is_reported_at_once(tmp_path):
    text = MINIMAL.replace("base_url", 'timezone = "Asia/Hanoi"\ntitel = "x"\nbase_url') + "adress = 1\n"
    found = {e.field for e in errors(tmp_path, text)}
    assert found == {"timezone", "titel", "agency.adress"}


def test_negative_counter(tmp_path):
    text = MINIMAL + "\n[counter]\nsite_total = -1\n"
    [err] = errors(tmp_path, text)
    assert (err.field, err.line) == ("counter.site_total", line_of(text, "site_total"))


def test_decomposed_text_is_normalised(tmp_path):
    cfg = load_config(write(tmp_path, unicodedata.normalize("NFD", MINIMAL)))
    assert cfg.title == "Cổng tối giản" and unicodedata.is_normalized("NFC", cfg.agency.name)


def test_config_error_through_the_cli(site_copy, tmp_path, cli):
    site = site_copy("minimal")
    text = MINIMAL.replace("base_url", "paginat = 5\nbase_url")
    (site / "site.toml").write_text(text, "utf-8")
    run = cli("build", "--site", str(site), "--out", str(tmp_path / "o"))
    assert run.code == 1
    assert "Traceback" not in run.err
    msg = run.find("site.toml", "paginat", line_of(text, "paginat"))
    assert "did you mean 'paginate'?" in msg.text


def test_site_toml_not_utf8(tmp_path):
    (tmp_path / "site.toml").write_bytes(MINIMAL.encode("utf-16"))
    with pytest.raises(BuildFailed) as info:
        load_config(tmp_path)
    assert "UTF-8" in str(info.value)
