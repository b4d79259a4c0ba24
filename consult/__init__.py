"""consult: consultation surveys through unique links, stored anonymised."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Application factory: configuration, extensions, blueprints, security headers."""
    from consult import database
    from consult.auth import access
    from consult.auth.routes import bp as auth_bp
    from consult.config import configure, instance_folder, proxy_fix_hops
    from consult.extensions import csrf, db, jobs, migrate
    from consult.officer.routes import bp as officer_bp
    from consult.respond.routes import bp as respond_bp
    from consult.respond.self_service import bp as self_service_bp
    from consult.web import converters, frontend, language, ratelimit, readiness, security
    from consult.web import pages as web

    app = Flask(__name__, instance_relative_config=True, instance_path=instance_folder())
    configure(app, test_config)
    if hops := proxy_fix_hops(app):
        # Trust X-Forwarded-* from exactly the configured number of proxies, no more.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)  # type: ignore[method-assign]
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    migrate.init_app(
        app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")
    )
    csrf.init_app(app)
    jobs.init_app(app)
    database.configure_engine(app)
    access.init_app(app)
    ratelimit.init_app(app)
    frontend.init_app(app)
    language.init_app(app)
    converters.init_app(app)

    app.register_blueprint(web.bp)
    app.register_blueprint(readiness.bp)
    app.register_blueprint(language.bp)
    app.register_blueprint(respond_bp)
    app.register_blueprint(self_service_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(officer_bp)
    security.init_app(app)
    return app
