"""The Flask application factory.

>>> app = create_app({"INDEX_DIR": Path("index")})

Config keys: ``INDEX_DIR`` (default: ``$VNSEARCH_INDEX_DIR`` or ``index/``) and
``CORS_ORIGINS`` (a comma-separated allow-list, default ``$VNSEARCH_CORS_ORIGINS``;
empty means no CORS headers).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from search.config import default_index_dir
from search.engine import open_engine
from webui import errors, formatting, routes, security
from webui.json_provider import OrjsonProvider


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """A configured app with one engine (:func:`search.engine.open_engine`) for its index folder."""
    app = Flask(__name__)
    app.json = OrjsonProvider(app)  # the documented key order, Vietnamese as UTF-8
    app.config.from_mapping(
        INDEX_DIR=default_index_dir(),
        CORS_ORIGINS=os.environ.get(security.CORS_VARIABLE, ""),
    )
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.extensions[routes.ENGINE_KEY] = open_engine(Path(app.config["INDEX_DIR"]))

    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters.update(
        vi_number=formatting.vi_number,
        vi_seconds=formatting.vi_seconds,
        vi_date=formatting.vi_date,
    )
    app.register_blueprint(routes.pages)
    app.register_blueprint(routes.api)
    errors.register_error_handlers(app)
    security.configure(app)
    return app
