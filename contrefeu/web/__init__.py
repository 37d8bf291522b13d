"""The review web UI (`contrefeu leak serve`): search, item evidence, diffs and decisions."""

from contrefeu.web.app import create_app
from contrefeu.web.server import serve

__all__ = ["create_app", "serve"]
