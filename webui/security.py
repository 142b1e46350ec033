"""Security headers on every response, and CORS for the JSON endpoints on request."""

from __future__ import annotations

from flask import Flask, Response
from flask_cors import CORS

CORS_VARIABLE = "VNSEARCH_CORS_ORIGINS"

SECURITY_HEADERS = {
    # No inline script or style anywhere: everything comes from /static.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def parse_origins(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """``"https://a.vn, https://b.vn"`` -> the list of origins (no trailing slashes)."""
    if not value:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip().rstrip("/") for item in items if item.strip()]


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def configure(app: Flask) -> None:
    """Security headers always; CORS on /api/* and /healthz for the configured origins only."""
    app.after_request(add_security_headers)
    origins = parse_origins(app.config.get("CORS_ORIGINS"))
    if origins:
        options = {"origins": origins, "methods": ["GET", "OPTIONS"], "max_age": 600}
        CORS(app, resources={r"/api/*": options, r"/healthz": options})
