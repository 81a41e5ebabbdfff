"""Development server: the built site, the access counter under /_c/, and live reload.

The site is built (drafts and scheduled articles included, with their badges), served on 127.0.0.1,
and rebuilt when content/, static/, themes/ or site.toml change; open tabs reload through
server-sent events. A build error does not stop the server: pages show an overlay naming the file,
line and message until the file is fixed.
"""
from __future__ import annotations

import asyncio
import errno
import json
import mimetypes
import socket
import sys
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Mount, Route

from sitegen.build.pipeline import BuildOptions, build
from sitegen.errors import BuildFailed

EVENTS = "/_sitegen/events"
WATCHED = ("content", "static", "themes", "site.toml")

# Injected into HTML responses of the dev server only; the published files never carry it.
_CLIENT = """<script>(function(){var s=new EventSource("%s"),box;
function show(m){if(!box){box=document.createElement("div");box.id="sitegen-error";box.setAttribute("role","alert");
box.style.cssText="position:fixed;inset:0;z-index:99999;background:rgba(20,0,0,.92);color:#fff;font:15px/1.5 monospace;padding:2rem;white-space:pre-wrap;overflow:auto";
document.body.appendChild(box);}box.textContent="Build failed (sitegen serve)\\n\\n"+m;}
s.addEventListener("reload",function(){location.reload();});
s.addEventListener("error-report",function(e){show(JSON.parse(e.data).text);});
s.addEventListener("ok",function(){if(box){box.remove();box=null;}});})();</script>""" % EVENTS


class DevSite:
    """Holds the latest build state and tells listeners when it changes."""

    def __init__(self, opts: BuildOptions):
        self.opts = opts
        self.version = 0
        self.error: str | None = None
        self._listeners: set[asyncio.Queue] = set()

    def rebuild(self) -> bool:
        try:
            build(self.opts)
        except BuildFailed as exc:
            self.error = "\n".join(str(e) for e in exc.errors)
            return False
        self.error = None
        self.version += 1
        return True

    def publish(self, ok: bool) -> None:
        for q in list(self._listeners):
            q.put_nowait("reload" if ok else "error-report")

    async def events(self, request: Request):
        q: asyncio.Queue = asyncio.Queue()
        self._listeners.add(q)
        try:
            yield self._event("error-report" if self.error else "ok")
            while not await request.is_disconnected():
                try:
                    kind = await asyncio.wait_for(q.get(), timeout=15)
                except asyncio.TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield self._event(kind)
        finally:
            self._listeners.discard(q)

    def _event(self, kind: str) -> str:
        data = json.dumps({"version": self.version, "text": self.error or ""}, ensure_ascii=False)
        return f"event: {kind}\ndata: {data}\n\n"


def create_app(dev: DevSite, counter_app=None) -> Starlette:
    root = dev.opts.out

    async def events(request: Request) -> Response:
        return StreamingResponse(dev.events(request), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    async def static(request: Request) -> Response:
        rel = request.url.path.lstrip("/")
        path = (root / rel).resolve()
        if not path.is_relative_to(root.resolve()):
            return Response("Not found", 404)
        if path.is_dir():
            if not request.url.path.endswith("/"):
                return Response(status_code=301, headers={"Location": request.url.path + "/"})
            path = path / "index.html"
        status = 200
        if not path.is_file():
            path, status = root / "404.html", 404
            if not path.is_file():
                return Response("Not found", 404)
        if path.suffix == ".html":
            html = path.read_text("utf-8")
            html = html.replace("</body>", _CLIENT + "</body>", 1) if "</body>" in html else html + _CLIENT
            return Response(html, status, media_type="text/html; charset=utf-8",
                            headers={"Cache-Control": "no-store"})
        return FileResponse(path, status_code=status, media_type=mimetypes.guess_type(path.name)[0],
                            headers={"Cache-Control": "no-store"})

    routes = [Route(EVENTS, events)]
    if counter_app is not None:
        routes.append(Mount("/_c", app=counter_app))
    routes.append(Route("/{path:path}", static, methods=["GET", "HEAD"]))
    return Starlette(routes=routes)


async def watch(dev: DevSite) -> None:
    from watchfiles import awatch

    site = dev.opts.site
    paths = [str(site / p) for p in WATCHED if (site / p).exists()]
    out = dev.opts.out.resolve()

    def relevant(change, path: str) -> bool:
        p = Path(path)
        return not p.resolve().is_relative_to(out) and not p.name.startswith((".", "#")) \
            and not p.name.endswith("~")

    async for _ in awatch(*paths, watch_filter=relevant, debounce=150, step=50):
        ok = await asyncio.to_thread(dev.rebuild)
        print("Rebuilt." if ok else f"Build failed:\n{dev.error}", file=sys.stderr)
        dev.publish(ok)


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def serve(opts: BuildOptions, host: str, port: int, store: str | None = None) -> int:
    """Serve an already built site (opts.out) and keep it rebuilt. Returns an exit code."""
    import uvicorn

    from sitegen.counter.app import mount

    if not port_free(host, port):
        print(f"sitegen: error: port {port} on {host} is already in use; "
              f"try another one with --port {port + 1}", file=sys.stderr)
        return 2
    dev = DevSite(opts)
    counter = mount(opts.site, opts.out, store=store)
    app = create_app(dev, counter)

    async def main() -> None:
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                               lifespan="off", timeout_graceful_shutdown=1))
        watcher = asyncio.create_task(watch(dev))
        print(f"Serving {opts.site} at http://{host}:{port}/ (counter at /_c/, live reload on; "
              "Ctrl+C to stop)", file=sys.stderr)
        try:
            await server.serve()
        finally:
            watcher.cancel()
            stop = getattr(counter.state.counter, "stop", None)
            if stop:
                await stop()

    asyncio.run(main())
    return 0

