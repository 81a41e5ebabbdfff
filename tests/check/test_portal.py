"""The portal checklist for site.toml: agency details in every language, emblem, English pages, menu."""
from __future__ import annotations

from check.conftest import SITE_TOML, check, found


def configure(site, text: str) -> None:
    (site / "site.toml").write_text(text, encoding="utf-8")


def test_missing_agency_details_are_warnings_at_their_lines(site):
    configure(site, SITE_TOML.replace('address = "Số 1 phố Thử Nghiệm, Hà Nội"\n', "")
              .replace('phone = "024 0000 0000"', 'phone = ""')
              .replace('responsible = "Chánh Văn phòng Sở"\n', "")
              .replace('email = "lienhe@kiem-tra.example.gov.vn"', 'email = "lienhe"'))
    assert found(check(site)) == [
        ("site.toml", 4, "agency.address: the address is not set (portal rules require it in every page's footer: "
                         "add address = \"...\" under [agency])", True),
        ("site.toml", 4, "agency.responsible: the person responsible (người chịu trách nhiệm) is not set (portal "
                         "rules require it in every page's footer: add responsible = \"...\" under [agency])", True),
        ("site.toml", 8, "agency.phone: the phone number is not set (portal rules require it in every page's "
                         "footer: add phone = \"...\" under [agency])", True),
        ("site.toml", 9, "agency.email: 'lienhe' is not an email address (e.g. email = "
                         "\"banbientap@example.gov.vn\")", True)]


def test_an_english_override_that_blanks_a_detail(site):
    configure(site, SITE_TOML + '\n[languages.en.agency]\nname = "DEPARTMENT OF CHECKS"\nresponsible = ""\n')
    assert found(check(site)) == [
        ("site.toml", 19, "languages.en.agency.responsible: the person responsible (người chịu trách nhiệm) is not "
                          "set (portal rules require it in every page's footer: add responsible = \"...\" under "
                          "[languages.en.agency])", True)]


def test_no_emblem_and_an_emblem_that_is_not_there(site):
    configure(site, SITE_TOML.replace('emblem = "/images/quoc-huy.svg"\n', ""))
    assert found(check(site)) == [
        ("site.toml", 4, "agency.emblem: the emblem is not set (portal rules require the emblem in the header: put "
                         "it in static/images/ and set emblem = \"/images/emblem.svg\")", True)]
    configure(site, SITE_TOML.replace("/images/quoc-huy.svg", "/images/quoc-huy.png"))
    assert found(check(site)) == [
        ("site.toml", 7, "agency.emblem: '/images/quoc-huy.png' leads nowhere: the site has no such file (put the "
                         "image in static/ (static/images/emblem.svg is /images/emblem.svg))", False)]


def test_a_site_without_english_pages(site):
    configure(site, SITE_TOML.split("[languages.en]")[0])
    (site / "content/about.en.md").unlink()
    assert found(check(site)) == [
        ("site.toml", None, "languages: the site has no English pages (portal rules ask for the agency's "
                            "introduction and contact in English: add [languages.en] and content/about.md, "
                            "content/contact.md with lang: en)", True)]


def test_a_menu_without_home_introduction_and_sitemap(site):
    configure(site, SITE_TOML.replace("[agency]", '[[menu]]\ntitle = "Tin tức"\nurl = "/tin-tuc/"\n\n[agency]'))
    hint = "portal rules require Trang chủ, Giới thiệu and Sơ đồ cổng in the main menu"
    assert found(check(site)) == [
        ("site.toml", 4, f"menu: the menu has no link to the home page (/) ({hint})", True),
        ("site.toml", 4, f"menu: the menu has no link to the introduction page ({hint})", True),
        ("site.toml", 4, f"menu: the menu has no link to the sitemap page (/so-do-cong/) ({hint})", True)]


def test_a_complete_menu_passes(site):
    menu = "".join(f'[[menu]]\ntitle = "{t}"\nurl = "{u}"\n\n' for t, u in
                   (("Trang chủ", "/"), ("Giới thiệu", "/gioi-thieu/"), ("Sơ đồ cổng", "/so-do-cong/")))
    configure(site, SITE_TOML.replace("[agency]", menu + "[agency]"))
    assert found(check(site)) == []
