"""The offline bundle stays small: what the service worker keeps, compressed, under 150 KB."""

from __future__ import annotations

import gzip
import re

from django.contrib.staticfiles import finders
from django.test import Client as HttpClient
from django.urls import reverse

from wholejourney.conftest import Cast

LIMIT = 150 * 1024


def test_offline_bundle_is_under_150_kb_compressed(cast: Cast) -> None:
    browser = HttpClient()
    browser.force_login(cast.case_manager)
    shell = browser.get(reverse("field:shell")).content
    assets = sorted(set(re.findall(rb'(?:href|src)="/static/([^"]+)"', shell)))
    files = {"shell": shell, "sw.js": browser.get(reverse("field:service_worker")).content}
    for name in assets:
        path = finders.find(name.decode())
        assert path, name
        with open(path, "rb") as f:
            files[name.decode()] = f.read()

    sizes = {name: len(gzip.compress(body, 9)) for name, body in files.items()}
    total = sum(sizes.values())

    print(f"offline bundle: {total / 1024:.1f} KB gzipped ({sum(map(len, files.values())) / 1024:.1f} KB raw): {sizes}")  # noqa: T201
    assert {"field/app.js", "field/vault.js", "field/field.css", "core/app.css"} <= set(sizes)
    assert total < LIMIT
