"""Running the review UI with uvicorn (`contrefeu leak serve` calls `serve`).

Prints nothing: uvicorn's logging is not configured and its own messages are kept at warning
level, so the command decides what the reviewer sees (the URL with its token).
"""

from __future__ import annotations

from pathlib import Path

from contrefeu.errors import UsageError
from contrefeu.web.security import token_required


def serve(
    case_path: Path, host: str = "127.0.0.1", port: int = 8750, token: str | None = None
) -> None:
    """Serve the review UI of the case until interrupted.

    Bound beyond loopback, a token is required: make one with `security.new_token()` and show
    the reviewer `security.reviewer_url(host, port, token)`. UsageError otherwise, so a UI
    nobody could open is never started.
    """
    if token is None and token_required(host):
        raise UsageError(f"serving on {host} (beyond this machine) needs an access token")
    import uvicorn

    from contrefeu.web.app import create_app

    app = create_app(Path(case_path), host=host, token=token)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )
    uvicorn.Server(config).run()
