"""``sitegen counter`` (run the service), ``sitegen counter export`` and ``… import``.

Wiring into ``sitegen/cli.py``::

    from sitegen.counter import cli as counter_cli
    counter_cli.add_parsers(sub)                  # after the build/serve parsers
    ...
    if args.command == "counter":                 # first thing in main(), before the build
        return counter_cli.run(args)

Also runnable on its own: ``python -m sitegen.counter [--site DIR] ...``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from sitegen.counter.config import DEFAULT_TRUSTED, ConfigError, CounterConfig, parse_networks

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def add_parsers(subparsers) -> argparse.ArgumentParser:
    """Add ``counter`` (with ``export`` and ``import``) to an ``add_subparsers()`` object."""
    c = subparsers.add_parser("counter", help="run the access-counter service (and export/import its counts)",
                              description="Run the access counter: POST /_c/hit, GET /_c/counts, "
                                          "/_c/snapshot, /_c/health.")
    _site_store(c)
    c.add_argument("--out", type=Path, default=None,
                   help="the built site, where counter-manifest.json is (default: SITE/public)")
    c.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    c.add_argument("--port", type=int, default=8081, help="port to listen on (default: 8081)")
    c.add_argument("--rate-limit", type=int, default=600, metavar="N",
                   help="hits per minute from one network (/24 or /64); 0 = off (default: 600)")
    c.add_argument("--trusted-proxy", action="append", default=None, metavar="CIDR",
                   help="honour X-Forwarded-For from this address or network (repeatable; "
                        "default: 127.0.0.0/8 and ::1)")
    c.add_argument("--batch-ms", type=float, default=1.0, metavar="MS",
                   help="group commit: wait up to this long for more hits before committing (default: 1)")
    c.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    sub = c.add_subparsers(dest="counter_command", metavar="{export,import}")
    c.set_defaults(command="counter", counter_command="serve", handler=run)
    e = sub.add_parser("export", help="write every count as JSON to standard output")
    _site_store(e)
    i = sub.add_parser("import", help="replace every count with those of an export file")
    i.add_argument("file", type=Path, help="a file written by `sitegen counter export`")
    _site_store(i)
    return c


def _site_store(p: argparse.ArgumentParser) -> None:
    p.add_argument("--site", type=Path, default=argparse.SUPPRESS if p.prog.endswith(("export", "import"))
                   else Path("."), help="the site's folder (default: .)")
    p.add_argument("--store", default=argparse.SUPPRESS if p.prog.endswith(("export", "import")) else None,
                   metavar="URL", help="sqlite:///relative.db, sqlite:////abs/path.db or redis://host:6379/0 "
                                       "(default: a SQLite file in SITE/.counter/)")


def config_from_args(args) -> CounterConfig:
    trusted = tuple(args.trusted_proxy) if getattr(args, "trusted_proxy", None) else DEFAULT_TRUSTED
    parse_networks(trusted)
    if getattr(args, "rate_limit", 0) < 0:
        raise ConfigError("--rate-limit must be 0 (off) or more")
    return CounterConfig(site_root=Path(args.site).resolve(),
                         out_dir=Path(args.out).resolve() if getattr(args, "out", None) else None,
                         store=args.store, rate_limit=getattr(args, "rate_limit", 600),
                         trusted_proxies=trusted,
                         batch_window=max(0.0, getattr(args, "batch_ms", 1.0)) / 1000)


def run(args) -> int:
    from sitegen.counter.logs import setup_logging
    from sitegen.counter.manifest import ManifestError
    from sitegen.counter.stores import StoreError
    cmd = getattr(args, "counter_command", None) or "serve"
    try:
        config = config_from_args(args)
        if cmd == "export":
            return asyncio.run(_export(config))
        if cmd == "import":
            return asyncio.run(_import(config, args.file))
        setup_logging(getattr(args, "log_level", "info"))
        return serve(config, args.host, args.port)
    except (ConfigError, ManifestError, StoreError) as exc:
        print(f"sitegen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def serve(config: CounterConfig, host: str, port: int) -> int:
    """Run under uvicorn (uvloop and httptools when installed) until SIGINT/SIGTERM.

    On SIGTERM uvicorn stops accepting, finishes the requests in flight (their hits are
    committed) and runs the app's shutdown, which commits the queue and closes the store.
    """
    import uvicorn

    from sitegen.counter.app import create_app
    app = create_app(config)
    uv = uvicorn.Config(app, host=host, port=port, loop="auto", http="auto", lifespan="on",
                        access_log=False, log_config=None, server_header=False, proxy_headers=False,
                        timeout_graceful_shutdown=10, backlog=2048)
    server = _Server(uv)
    server.run()
    return EXIT_OK if server.started else EXIT_FAIL


def _server_class():
    import contextlib
    import signal
    import threading

    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, but a SIGTERM/SIGINT that shut it down cleanly exits with 0
        (uvicorn re-raises the signal after its graceful shutdown)."""

        @contextlib.contextmanager
        def capture_signals(self):
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            sigs = (signal.SIGINT, signal.SIGTERM)
            original = {s: signal.signal(s, self.handle_exit) for s in sigs}
            try:
                yield
            finally:
                for s, handler in original.items():
                    signal.signal(s, handler)
    return Server


def _Server(config):
    return _server_class()(config)


def _store(config: CounterConfig):
    from sitegen.counter.manifest import Manifest
    from sitegen.counter.stores import open_store
    manifest = Manifest.__new__(Manifest)            # export/import need no manifest
    manifest.pages, manifest.site_total, manifest.baseline_total = {}, 0, 0
    return open_store(config.store_url, config, manifest, None)


async def _export(config: CounterConfig) -> int:
    store = _store(config)
    await store.start()
    try:
        data = await store.export()
    finally:
        await store.close()
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:            # `... export | head`: the reader left, which is fine
        sys.stdout = None
    return EXIT_OK


async def _import(config: CounterConfig, file: Path) -> int:
    from sitegen.counter.stores import StoreError
    try:
        data = json.loads(Path(file).read_bytes())
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read {file}: {exc}") from None
    store = _store(config)
    await store.start()
    try:
        await store.import_(data)
    finally:
        await store.close()
    n = sum(data["pages"].values())
    print(f"Imported {len(data['pages'])} pages ({n} counted views) into {config.store_url}.", file=sys.stderr)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="sitegen")
    sub = p.add_subparsers(dest="command", required=True)
    add_parsers(sub)
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "counter":
        argv.insert(0, "counter")
    args = p.parse_args(argv)
    return run(args)
