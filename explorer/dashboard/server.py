"""Running the app under uvicorn: in the foreground (`explorer serve`) or on a thread."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import uvicorn

from explorer.dashboard.app import build_app
from explorer.dashboard.runs import RunSet
from explorer.dashboard.security import AccessPolicy
from explorer.errors import ExplorerError

START_TIMEOUT_S = 20.0


class ServeError(ExplorerError):
    """The dashboard could not start (the message says why)."""


def address(policy: AccessPolicy) -> str:
    host = f"[{policy.host}]" if ":" in policy.host else policy.host
    url = f"http://{host}:{policy.port}/"
    return url + (f"?token={policy.token}" if policy.token else "")


def _warm_up() -> None:
    """Import the strategies' model stack (torch, BoTorch) while the first page loads, so the
    first posterior request does not wait for it."""


def _server(runs: RunSet, policy: AccessPolicy) -> uvicorn.Server:
    threading.Thread(target=_warm_up, name="dashboard-warm-up", daemon=True).start()
    config = uvicorn.Config(
        build_app(runs, policy),
        host=policy.host,
        port=policy.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    return uvicorn.Server(config)


def serve_forever(runs: RunSet, policy: AccessPolicy) -> None:
    """Serve until Ctrl-C."""
    _server(runs, policy).run()


@dataclass
class BackgroundServer:
    """The dashboard on a daemon thread (tests, notebooks); `stop()` ends it."""

    runs: RunSet
    policy: AccessPolicy

    def __post_init__(self) -> None:
        self._server = _server(self.runs, self.policy)
        self._thread = threading.Thread(target=self._server.run, name="dashboard", daemon=True)

    @property
    def url(self) -> str:
        return address(self.policy)

    def start(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ServeError(
                    f"the dashboard did not start on {self.policy.host}:{self.policy.port}"
                )
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
