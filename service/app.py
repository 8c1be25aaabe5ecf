"""The pricing service: ``create_app()`` builds the FastAPI application.

Routes live in ``service.routers`` (pricing, exotics, calibration, theorems), models in
``service.schemas``.  This module adds what every route shares: the body-size limit, the
error handlers (every error is JSON: 413 / 422 naming the field, 404, 405, 501), ``/health``
and the offline API docs (Swagger UI vendored under ``service/static``).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from service import schemas as s
from service.routers import calibration, exotics, pricing, theorems

STATIC = Path(__file__).resolve().parent / "static"
SWAGGER_UI_VERSION = "5.36.0"     # npm swagger-ui-dist, vendored in static/swagger-ui (Apache-2.0)
VERSION = "0.1.0"
log = logging.getLogger("service")


def _err(status, loc, msg, typ):
    return JSONResponse(status_code=status, content={"detail": [{"loc": loc, "msg": msg, "type": typ}]})


class BodyLimit:
    """ASGI middleware: request bodies above ``limit`` bytes get a 413 naming ``body`` (checked
    on Content-Length and again on the bytes actually received)."""

    def __init__(self, app, limit=s.MAX_BODY_BYTES):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        too_big = _err(413, ["body"], f"request body exceeds {self.limit} bytes", "body_too_large")
        for k, v in scope.get("headers", ()):
            if k == b"content-length":
                try:
                    n = int(v)
                except ValueError:
                    n = self.limit + 1
                if n > self.limit:
                    return await too_big(scope, receive, send)
        chunks, size, more = [], 0, True
        while more:
            msg = await receive()
            if msg["type"] != "http.request":
                return await self.app(scope, _replay([msg]), send)
            chunks.append(msg.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                return await too_big(scope, receive, send)
            more = msg.get("more_body", False)
        return await self.app(scope, _replay([{"type": "http.request", "body": b"".join(chunks),
                                               "more_body": False}], receive), send)


def _replay(msgs, then=None):
    async def receive():
        if msgs:
            return msgs.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}
    return receive


def _clean(errors):
    """Validation errors as plain JSON: loc, msg, type (no echo of the input)."""
    return [{"loc": [x if isinstance(x, (str, int)) else str(x) for x in e.get("loc", ())],
             "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))} for e in errors]


def _field_of(exc):
    """The field a ValueError names: ``FieldError.field``, else the parameter a numerics message
    starts with ("K must be ..." -> "K"), else the body as a whole."""
    if isinstance(exc, s.FieldError):
        return exc.field
    m = re.match(r"([A-Za-z_][A-Za-z0-9_.\[\]]*) (must|=|is) ", str(exc))
    return m.group(1) if m else None


def create_app():
    app = FastAPI(title="roughatlas pricing service", version=VERSION, docs_url=None, redoc_url=None,
                  description="Rough Heston prices (COS), Monte Carlo exotics, hedging, calibration and "
                              "the theorem registry. Every error is JSON.")
    for r in (pricing.router, exotics.router, calibration.router, theorems.router):
        app.include_router(r, responses={400: {"model": s.Error, "description": "body is not JSON"},
                                         413: {"model": s.Error}, 422: {"model": s.Error}})
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/health", response_model=s.Health, tags=["meta"])
    async def health():
        return {"status": "ok", "version": VERSION}

    @app.get("/docs", include_in_schema=False)
    async def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="roughatlas API",
                                   swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger-ui/swagger-ui.css",
                                   swagger_favicon_url="/static/swagger-ui/favicon-32x32.png")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        return JSONResponse(status_code=422, content={"detail": _clean(exc.errors())})

    @app.exception_handler(s.WorkLimit)
    async def work_limit(request: Request, exc: s.WorkLimit):
        return _err(413, ["body", exc.field], str(exc), "work_limit")

    @app.exception_handler(ValueError)
    async def value_error(request: Request, exc: ValueError):
        field = _field_of(exc)
        return _err(422, ["body"] + ([field] if field else []), str(exc), "value_error")

    @app.exception_handler(ArithmeticError)
    async def arithmetic(request: Request, exc: ArithmeticError):
        # FloatingPointError / OverflowError from the numerics: the input drives them out of
        # the double range (e.g. a non-finite Monte Carlo estimate)
        return _err(422, ["body"], f"the numerics left the double range for this input: {exc}", "arithmetic_error")

    @app.exception_handler(MemoryError)
    async def no_memory(request: Request, exc: MemoryError):
        log.warning("out of memory on %s: %s", request.url.path, exc)
        return JSONResponse(status_code=503, content=jsonable_encoder({"detail": "not enough memory, retry later"}))

    return BodyLimit(app)


app = create_app()
