"""Running the service: the local server, the job worker, backup and restore."""

from __future__ import annotations

from pathlib import Path

import click

from consult.cli.common import command_app


@click.command()
@click.option(
    "--host", default=None, help="Address to listen on (default: BASE_URL's if local, else 127.0.0.1)."
)
@click.option(
    "--port", default=None, type=int, help="Port (default: BASE_URL's if on this machine, else 5000)."
)
def serve(host: str | None, port: int | None) -> None:
    """Run the app for local use (for production, run gunicorn: see README).

    Listens where BASE_URL says when that is this machine; on another port, it warns and
    makes its own links with the address it serves.
    """
    app = command_app()
    from consult.web.serving import run_local, serving_address, use_serving_address

    address = serving_address(app.config.get("BASE_URL"), host, port)
    if address.warning:
        click.echo(f"Warning: {address.warning}", err=True)
    use_serving_address(app, address)

    if app.config.get("JOBS_REDIS_URL") is None:
        # Runs this server was doing when it last stopped will never finish: say so.
        from consult.data import prepared_downloads, theme_group_tables, theme_runs
        from consult.extensions import db

        with app.app_context():
            reason = "Stopped: the server was stopped while it ran"
            stopped = theme_runs.abandon_unfinished(reason=reason)
            if stopped:
                click.echo(f"{stopped} unfinished theme run(s) marked stopped", err=True)
            dropped = prepared_downloads.abandon_unfinished(reason=reason + ". Prepare it again.")
            if dropped:
                click.echo(f"{dropped} unfinished download(s) marked stopped", err=True)
            tables = theme_group_tables.abandon_unfinished(reason=reason + ". Ask for them again.")
            if tables:
                click.echo(f"{tables} unfinished themes-by-group job(s) marked stopped", err=True)
            db.session.commit()
    root = address.link_root or f"http://{address.host}:{address.port}"
    click.echo(f"Serving on {root}/ (Ctrl-C to stop); officers sign in at {root}/sign-in", err=True)
    run_local(app, address.host, address.port)


@click.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run background jobs (theme runs, downloads, themes by group) from the queue in JOBS_REDIS_URL."""
    app = command_app()
    url = app.config.get("JOBS_REDIS_URL")
    if not url:
        raise click.ClickException(
            "No job queue is configured: set CONSULT_JOBS_REDIS_URL (redis://…). "
            "Without one, `consult serve` runs jobs itself."
        )
    from redis import Redis

    from consult.extensions import db
    from consult.jobs.worker import PromptWorker

    with app.app_context():
        # Each job runs in a forked child: it must open its own database connections,
        # never share one inherited from this process.
        db.engine.dispose()
        connection = Redis.from_url(str(url))
        queue_name = str(app.config["JOBS_QUEUE"])
        click.echo(f"Working on queue {queue_name!r} (Ctrl-C to stop)", err=True)
        PromptWorker([queue_name], connection=connection).work(burst=burst)


@click.command()
@click.option(
    "--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write."
)
def backup(out_path: Path) -> None:
    """Back up the database to one file while the app keeps serving (see docs/backup.md)."""
    app = command_app()
    from consult.data import backup as backups
    from consult.extensions import db

    with app.app_context():
        try:
            report = backups.back_up(db.engine, out_path)
        except backups.BackupError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(
        f"Backed up the {report.backend} database (schema {report.revision}) to {report.path} "
        f"({report.size:,} bytes)",
        err=True,
    )


@click.command()
@click.argument("backup_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds responses.")
def restore(backup_file: Path, force: bool) -> None:
    """Restore the database from a backup made by `consult backup` (stop the app first).

    Checks the backup is whole before anything is replaced; refuses a backup from a newer
    version of consult, a database another process has open, and one that holds responses
    unless --force. A backup from an older version is brought up to date as it is restored.
    """
    app = command_app()
    from flask_migrate import upgrade

    from consult.data import backup as backups
    from consult.data import restore as restores
    from consult.extensions import db

    head, _ = backups.known_revisions()
    with app.app_context():
        try:
            report = restores.restore(db.engine, backup_file, force=force, bring_up_to_date=upgrade)
        except backups.BackupError as exc:
            raise click.ClickException(str(exc)) from None
    if report.revision != head:
        click.echo(f"Upgraded the restored schema from {report.revision} to {head}", err=True)
    click.echo(f"Restored {backup_file} (schema {report.revision})", err=True)
