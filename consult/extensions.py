"""Flask extensions, created unbound and bound to the app in `create_app`."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from consult.jobs.queue import JobQueue


class Base(DeclarativeBase):
    # Named constraints, so that migrations can alter them on SQLite and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
# Limits are per client address (the proxy's X-Forwarded-For once PROXY_FIX_HOPS trusts it);
# the store is chosen in `consult.web.ratelimit.init_app`.
limiter = Limiter(key_func=get_remote_address)
jobs = JobQueue()
# Interface text in the respondent's language (`consult.web.language` chooses it).
babel = Babel()
