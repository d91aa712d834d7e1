"""`python -m server.action_server`: the assistant's action server.

rasa-sdk's own app (`rasa_sdk.endpoint.create_app` with the `actions`
package), run on `BIND_HOST:ACTION_PORT` only (rasa-sdk's launcher listens on
0.0.0.0 whatever it is told), behind `server.action_guard`: only a caller
with `ACTION_SERVER_SECRET` gets past /health, bodies are capped at
`ACTION_SERVER_MAX_BODY_BYTES` and compressed bodies are refused. New files
are private (server/private_files.py).
"""
from __future__ import annotations

import logging

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic

from housing.settings import Settings, get_settings
from server import action_guard, private_files

ACTIONS_PACKAGE = "actions"
logger = logging.getLogger(__name__)


def build_app(settings: Settings) -> Sanic:
    """rasa-sdk's app for our actions, with the guard installed (no CORS: no browser calls it)."""
    app = create_app(ACTIONS_PACKAGE, cors_origins="")
    action_guard.install(app, settings.action_server_secret, settings.action_server_max_body_bytes)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    return app


def main() -> None:
    settings = get_settings()
    if not settings.action_server_secret:
        raise SystemExit("ERROR: set ACTION_SERVER_SECRET (the Rasa server sends it; scripts/run generates one)")
    private_files.make_private(settings.var_dir)
    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    app = build_app(settings)
    logger.info("Action server on http://%s:%s", settings.bind_host, settings.action_port)
    app.run(settings.bind_host, settings.action_port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
