"""The access counter: a small ASGI service that counts page views of a static site.

Pages post a hit to ``/_c/hit``; the service answers with the live figures
``{"page", "site", "today", "online"}``.  Only pages listed in the build's
``counter-manifest.json`` are counted, a visitor+page pair counts once per 30 minutes,
bots are not counted, and an acknowledged hit is on disk (SQLite, group commit) or in
Redis (AOF) before the answer leaves.

Public entry points:

* :func:`sitegen.counter.app.create_app` — the Starlette app for a :class:`CounterConfig`.
* :func:`mount` — the app without the ``/_c`` prefix, for ``sitegen serve`` to mount under ``/_c/``.
* :func:`load_counts` — read a snapshot (``GET /_c/snapshot`` URL or a saved file) for ``build --counts``.
* :mod:`sitegen.counter.cli` — ``sitegen counter``, ``sitegen counter export|import``.

Example nginx configuration (static files and the counter on one origin)::

    upstream sitegen_counter { server 127.0.0.1:8081; keepalive 32; }
    server {
        listen 443 ssl http2;
        server_name example.gov.vn;
        root /srv/site/public;
        location / { try_files $uri $uri/ =404; }
        location /_c/ {
            proxy_pass http://sitegen_counter;          # the service serves /_c/... itself
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            client_max_body_size 1k;
            access_log off;
        }
    }

nginx connects from 127.0.0.1, which the service trusts by default, so the visitor's
address comes from ``X-Forwarded-For``.  For Redis, run ``redis-server`` with
``appendonly yes`` and ``appendfsync always`` so that an acknowledged hit survives a crash
of Redis too (``everysec`` may lose up to one second of hits on a power cut).
"""
from __future__ import annotations

from sitegen.counter.config import CounterConfig
from sitegen.counter.snapshot import load_counts

__all__ = ["CounterConfig", "create_app", "load_counts", "mount"]


def create_app(config: CounterConfig, clock=None):
    from sitegen.counter.app import create_app as _create
    return _create(config, clock=clock)


def mount(site_root, out_dir=None, **kw):
    from sitegen.counter.app import mount as _mount
    return _mount(site_root, out_dir, **kw)
