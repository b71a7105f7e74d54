"""The Starlette application: the page, its static files, the JSON views, the actions and a
server-sent event stream per run that pushes each new line of events.jsonl to the browser.

Routes (every one behind the checks of explorer.dashboard.security):
    GET  /                      the page
    GET  /static/{file}         its script and style; /static/plotly.min.js from the plotly wheel
    GET  /api/runs              the served runs, with a summary of each (side-by-side view)
    GET  /api/run/{name}        status, measurements, next suggestion, front, notes
    GET  /api/run/{name}/library  every library location (positions, composition)
    GET  /api/run/{name}/weights  the strategy's tunable weights as they stand
    GET  /api/run/{name}/model  posterior mean/σ of every objective and the acquisition
    GET  /api/run/{name}/curve?index=N   raw loop/spectrum N with its fit (default: latest)
    GET  /api/run/{name}/stream server-sent events: `log` (seq and type of each new event; the
                                page then fetches the views it changes), `runs` (runs added)
    POST /api/run/{name}/action an action (explorer.dashboard.actions)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from functools import cache
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from explorer.dashboard import model, views
from explorer.dashboard.actions import ActionRefusedError, perform, who
from explorer.dashboard.runs import RunSet, ServedRun, decision_version
from explorer.dashboard.security import TOKEN_COOKIE, TOKEN_HEADER, AccessPolicy
from explorer.errors import ExplorerError

STREAM_POLL_S = 0.5
HEARTBEAT_S = 15.0
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css"}
MAX_BODY_BYTES = 4096


@cache
def _static(name: str) -> bytes:
    return (resources.files("explorer.dashboard") / "static" / name).read_bytes()


@cache
def _plotly_js() -> bytes:
    from plotly.offline import get_plotlyjs  # noqa: PLC0415

    return get_plotlyjs().encode("utf-8")


def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={"Cache-Control": "no-store"})


CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'"
)


class _Guard:
    """ASGI middleware: the host, token and action checks of explorer.dashboard.security on
    every request, and a content security policy that allows nothing from elsewhere."""

    def __init__(self, app: ASGIApp, policy: AccessPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if (refusal := self._refusal(request)) is not None:
            await refusal(scope, receive, send)
            return
        query = request.query_params.get("token")
        cookie = None
        if self.policy.token and query:
            cookie = f"{TOKEN_COOKIE}={query}; HttpOnly; SameSite=Strict; Path=/"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CSP
                headers["X-Frame-Options"] = "DENY"
                if cookie:
                    headers.append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _refusal(self, request: Request) -> Response | None:
        p = self.policy
        if problem := p.host_problem(request.headers.get("host", "")):
            return Response(problem, status_code=421)
        query = request.query_params.get("token")
        header, cookie = request.headers.get(TOKEN_HEADER), request.cookies.get(TOKEN_COOKIE)
        if not p.token_ok(query, header, cookie):
            return Response(
                "this dashboard needs its token: open the address printed at start", 401
            )
        if request.method == "POST" and (problem := p.action_problem(dict(request.headers))):
            return Response(problem, status_code=403)
        return None


class _Handlers:
    """The route handlers over one RunSet."""

    def __init__(self, runs: RunSet) -> None:
        self.runs = runs

    def served(self, request: Request) -> ServedRun:
        return self.runs.get(request.path_params["name"])

    async def index(self, request: Request) -> Response:
        return HTMLResponse(_static("index.html").decode("utf-8"))

    async def static(self, request: Request) -> Response:
        name = request.path_params["file"]
        if name == "plotly.min.js":
            body = await run_in_threadpool(_plotly_js)
            return Response(body, media_type="text/javascript")
        if name not in ("dashboard.js", "dashboard.css"):
            return Response("not found", status_code=404)
        suffix = name[name.rfind(".") :]
        return Response(_static(name), media_type=STATIC_TYPES[suffix])

    async def api_runs(self, request: Request) -> Response:
        def collect() -> list[Any]:
            out = []
            for n in self.runs.names():
                try:
                    out.append(self.runs.get(n).cached("summary", views.summary_json))
                except ExplorerError as exc:
                    out.append({"name": n, "error": str(exc)})
            return out

        return _json({"single": self.runs.single, "runs": await run_in_threadpool(collect)})

    async def api_run(self, request: Request) -> Response:
        run = self.served(request)
        data = await run_in_threadpool(run.cached, "run", views.run_json)
        access = run.access()
        return _json(
            {
                **data,
                "access": {
                    "writable": access.writable,
                    "moves_allowed": access.moves_allowed,
                    "why_not_moves": access.why_not_moves,
                },
            }
        )

    async def api_library(self, request: Request) -> Response:
        run = self.served(request)
        view = await run_in_threadpool(run.cached, "library", model.library_view)
        return _json(view.to_json())

    async def api_model(self, request: Request) -> Response:
        run = self.served(request)
        maps = await run_in_threadpool(run.cached, "model", model.posterior_json, decision_version)
        return _json(maps)

    async def api_weights(self, request: Request) -> Response:
        run = self.served(request)
        return _json(
            await run_in_threadpool(run.cached, "weights", model.weights_json, decision_version)
        )

    async def api_curve(self, request: Request) -> Response:
        run = self.served(request)
        data = await run_in_threadpool(run.data)
        raw = request.query_params.get("index", "")
        index = int(raw) if raw.isdigit() else len(data.measured) - 1
        if not 0 <= index < len(data.measured):
            return _json({"unavailable": "no measurement yet"})
        return _json(await run_in_threadpool(model.curve_json, data, index))

    async def api_action(self, request: Request) -> Response:
        run = self.served(request)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _json({"error": "action too large"}, 413)
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise ValueError
        except ValueError:
            return _json({"error": "an action is a JSON object"}, 400)
        client = request.client.host if request.client else "unknown"
        by = who(str(payload.get("by", "")), client)
        try:
            line = await run_in_threadpool(perform, run.run_dir, run.access(), payload, by)
        except ActionRefusedError as exc:
            return _json({"error": str(exc)}, 409)
        return _json({"written": line})

    async def stream(self, request: Request) -> Response:
        run = self.served(request)
        since = int(request.query_params.get("since", "0") or 0)
        return StreamingResponse(
            self._events(request, run, since),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def _events(self, request: Request, run: ServedRun, since: int) -> AsyncIterator[str]:
        sent, quiet_s = since, 0.0
        names = self.runs.names()
        while not await request.is_disconnected():
            await run_in_threadpool(run.follower.poll)
            new = run.follower.dicts_since(sent)
            if new:
                sent += len(new)
                quiet_s = 0.0
                brief = [{"seq": d.get("seq"), "type": d.get("type")} for d in new]
                yield f"event: log\ndata: {json.dumps(brief, separators=(',', ':'))}\n\n"
            now = self.runs.names()
            if now != names:
                names = now
                yield f"event: runs\ndata: {json.dumps(now)}\n\n"
            if quiet_s >= HEARTBEAT_S:
                quiet_s = 0.0
                yield ": heartbeat\n\n"
            await asyncio.sleep(STREAM_POLL_S)
            quiet_s += STREAM_POLL_S


async def _no_icon(request: Request) -> Response:
    return Response(status_code=204)


async def _on_error(request: Request, exc: Exception) -> Response:
    return _json({"error": str(exc)}, 404)


def build_app(runs: RunSet, policy: AccessPolicy) -> Starlette:
    """The dashboard for `runs`, guarded by `policy`."""
    h = _Handlers(runs)
    routes = [
        Route("/", h.index),
        Route("/static/{file}", h.static),
        Route("/favicon.ico", _no_icon),
        Route("/api/runs", h.api_runs),
        Route("/api/run/{name}", h.api_run),
        Route("/api/run/{name}/library", h.api_library),
        Route("/api/run/{name}/model", h.api_model),
        Route("/api/run/{name}/weights", h.api_weights),
        Route("/api/run/{name}/curve", h.api_curve),
        Route("/api/run/{name}/stream", h.stream),
        Route("/api/run/{name}/action", h.api_action, methods=["POST"]),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(_Guard, policy=policy)],
        exception_handlers={ExplorerError: _on_error},
    )
