"""Summary, author and source (portal rules), long and duplicate titles, articles without text."""
from __future__ import annotations

from check.conftest import check, found, write

REL = "content/tin-tuc/bai.md"


def test_missing_summary_author_and_source_are_warnings_at_their_lines(site):
    write(site, REL, '---\ntitle: Bài thiếu thông tin\ndate: 2024-02-01 08:00\nsummary: ""\nauthor: "  "\n---\n\n'
                     "Nội dung.\n")
    assert found(check(site)) == [
        (REL, 1, "source: is missing (portal rules require the source, e.g. source: Cổng TTĐT Bộ Nội vụ, or "
                 "source: {name: ..., url: https://...})", True),
        (REL, 4, "summary: is empty (write the sapo: one or two sentences shown in bold under the title)", True),
        (REL, 5, "author: is empty (portal rules require the author, e.g. author: Phòng Truyền thông)", True)]


def test_an_empty_source_mapping_is_missing_and_static_pages_need_none_of_them(site):
    write(site, REL, "---\ntitle: Bài có nguồn rỗng\ndate: 2024-02-01 08:00\nsummary: Tóm tắt.\n"
                     "author: Phòng Truyền thông\nsource: {name: \"\"}\n---\n\nNội dung.\n")
    write(site, "content/lien-he.md", "---\ntitle: Liên hệ\n---\n\nĐịa chỉ của Sở.\n")
    assert found(check(site)) == [
        (REL, 6, "source: is empty (portal rules require the source, e.g. source: Cổng TTĐT Bộ Nội vụ, or "
                 "source: {name: ..., url: https://...})", True)]


def test_a_title_over_150_characters(site):
    title = "Hội nghị " + "rất " * 40 + "dài"           # 172 characters
    assert len(title) == 172
    write(site, REL, f"---\ndate: 2024-02-01 08:00\ntitle: {title}\nsummary: Tóm tắt.\nauthor: Phòng Truyền thông\n"
                     "source: Sở Kiểm tra\n---\n\nNội dung.\n")
    assert found(check(site)) == [
        (REL, 3, "title: is 172 characters long (more than 150) (keep the title short and put the details in the "
                 "summary)", True)]


def test_exactly_150_characters_is_fine(site):
    title = "Tin " + "x" * 146
    write(site, REL, f"---\ntitle: {title}\ndate: 2024-02-01 08:00\nsummary: Tóm tắt.\nauthor: Phòng Truyền thông\n"
                     "source: Sở Kiểm tra\n---\n\nNội dung.\n")
    assert found(check(site)) == []


def test_duplicate_titles_in_one_language_name_the_older_article(site):
    # The same title as tap-huan.md (05/03/2024), typed decomposed and in other case: the newer one is reported.
    import unicodedata
    title = unicodedata.normalize("NFD", "TẬP HUẤN nghiệp vụ  văn thư năm 2024")
    write(site, REL, f"---\ntitle: {title}\ndate: 2024-04-01 08:00\nsummary: Tóm tắt.\nauthor: Phòng Truyền thông\n"
                     "source: Sở Kiểm tra\n---\n\nNội dung.\n")
    # An English article may carry the same words.
    write(site, "content/tin-tuc/bai.en.md", "---\ntitle: Tập huấn nghiệp vụ văn thư năm 2024\n"
                                             "date: 2024-04-02 08:00\nsummary: Summary.\nauthor: Press Office\n"
                                             "source: Department of Checks\n---\n\nText.\n")
    assert found(check(site)) == [
        (REL, 2, "title: is the same as the title of content/tin-tuc/tap-huan.md (readers cannot tell them apart in "
                 "listings and search: make each title say what is new)", True)]


def test_an_article_without_text(site):
    write(site, REL, "---\ntitle: Bài chưa viết\ndate: 2024-02-01 08:00\nsummary: Tóm tắt.\n"
                     "author: Phòng Truyền thông\nsource: Sở Kiểm tra\n---\n\n<!-- Viết nội dung bài dưới đây. -->\n")
    assert found(check(site)) == [
        (REL, 8, "body: the article has no text (write the article below the front matter)", True)]
