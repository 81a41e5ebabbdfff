"""Translations: `translation_key` must link an article to an article in another language.

A key that no article of another language carries points to a missing translation: the language
switch and the hreflang links would have nothing to lead to. That is a content error. Drafts and
articles dated in the future count as existing, so a translation may be written (as a draft) after
the original is published, and be published later.

    check_translation_keys(all_documents, report)   # every document, drafts and scheduled ones too
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from sitegen.content.schema import Document
from sitegen.errors import Report


def check_translation_keys(docs: Iterable[Document], report: Report) -> None:
    """Report every document whose translation_key no document of another language shares."""
    docs = list(docs)
    langs: dict[str, set[str]] = defaultdict(set)
    for doc in docs:
        if doc.translation_key:
            langs[doc.translation_key].add(doc.lang)
    for doc in sorted(docs, key=lambda d: d.rel):
        key = doc.translation_key
        if key and langs[key] == {doc.lang}:
            report.error(doc.rel, doc.line("translation_key"), "translation_key",
                         f"'{key}' links to no article in another language: its translation is missing",
                         "give the translation the same translation_key (it may be a draft while it "
                         "is written), or remove the key")


__all__ = ["check_translation_keys"]
