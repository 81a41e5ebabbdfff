"""Fixtures of the image pipeline tests: a small site to put photos in (see imagetest.PhotoSite)."""
from __future__ import annotations

import pytest

from imagetest import PhotoSite


@pytest.fixture
def photo_site(site_copy) -> PhotoSite:
    """A fresh copy of tests/sites/minimal; add articles with `photo_site.article(...)`."""
    return PhotoSite(site_copy("minimal"))
