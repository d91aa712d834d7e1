"""`python -m server <rasa arguments>`: Rasa's command line with our fixes installed.

Before Rasa starts: new files are private (server/private_files.py), action
calls time out after `ACTION_TIMEOUT_SECONDS` (server/action_timeout.py),
action responses are checked with a validator built once
(server/action_results.py), request bodies are capped (server/limits.py),
conversations are kept in our own store, never silently in memory
(server/conversation_store.py), and `rasa run` gets the HTTP API token from
`RASA_AUTH_TOKEN` inside the process, so it never appears on a command line.
"""
from __future__ import annotations

import sys

from rasa.__main__ import main as rasa_main

from housing.settings import get_settings
from server import action_failures, action_results, action_timeout, conversation_store, limits, private_files

TOKEN_OPTION = "--auth-token"


def with_auth_token(argv: list[str], token: str | None) -> list[str]:
    """Rasa's arguments with `--auth-token <token>` added for `run`, unless
    there is no token or the arguments already name one."""
    if not token or argv[:1] != ["run"]:
        return argv
    if any(arg == TOKEN_OPTION or arg.startswith(TOKEN_OPTION + "=") for arg in argv):
        return argv
    return [*argv, TOKEN_OPTION, token]


def main() -> None:
    settings = get_settings()
    private_files.make_private(settings.var_dir)
    action_timeout.install(settings.action_timeout_seconds)
    action_failures.install()
    action_results.install()
    limits.install()
    conversation_store.install()
    sys.argv = ["rasa", *with_auth_token(sys.argv[1:], settings.rasa_auth_token)]
    rasa_main()


if __name__ == "__main__":
    main()
