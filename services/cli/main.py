"""`aftersale`: run the system, publish events, manage the store and the contract."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from services.runtime.topology import QueueType

#: Commands defined in their own modules, imported only when run (or listed by
#: --help): `aftersale probe`, run every few seconds by a Kubernetes probe,
#: must not pay for importing the demo or the status report.
LAZY_COMMANDS = {
    "up": "services.cli.up:up",
    "ingest": "services.cli.up:ingest",
    "worker": "services.cli.up:worker",
    "scheduler": "services.cli.up:scheduler",
    "deliverer": "services.cli.up:deliverer",
    "gateway": "services.cli.up:gateway",
    "publish": "services.cli.publish:publish",
    "probe": "services.cli.probe:probe",
    "notifications": "services.cli.notifications:notifications",
    "status": "services.cli.status:status",
    "dlq": "services.cli.dlq:dlq",
    "tickets": "services.cli.tickets:tickets",
    "timeline": "services.cli.timeline:timeline",
    "report": "services.cli.report:report",
    "demo": "services.cli.demo:demo",
    "suppressions": "services.cli.suppressions:suppressions_group",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module, attribute = LAZY_COMMANDS[cmd_name].split(":")
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aftersale", prog_name="aftersale")
def cli() -> None:
    """After-sales customer care for online shops, on RabbitMQ.

    \b
    Start everything on the embedded defaults (local RabbitMQ, SQLite):
        aftersale up
    Publish events from a JSON Lines file (or - for standard input):
        aftersale publish events.jsonl

    Configuration comes from AFTERSALE_* environment variables (see README).
    """


@cli.group()
def db() -> None:
    """The store (SQLite by default, PostgreSQL in production)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the store at AFTERSALE_DATABASE_URL to the latest schema."""
    from services.runtime.settings import load_settings, redact_url
    from services.runtime.store.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    click.echo(f"store at {redact_url(settings.database_url)} is up to date")


@cli.group()
def schemas() -> None:
    """The event contract as JSON Schema and AsyncAPI."""


@schemas.command("export")
@click.option(
    "--to",
    "target",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Folder to write into.",
)
def schemas_export(target: Path) -> None:
    """Write one JSON Schema per event type and schemas/asyncapi.yaml."""
    from services.contract.export import export_schemas

    written = export_schemas(target)
    click.echo(f"wrote {len(written)} files into {target}/")


@cli.group()
def policies() -> None:
    """The policies: SLA targets, legal deadlines, check-ins (AFTERSALE_POLICIES)."""


@policies.command("defaults")
def policies_defaults() -> None:
    """Print the built-in defaults as a TOML file to start your own from."""
    from services.runtime.policies import defaults_toml

    click.echo(defaults_toml(), nl=False)


@policies.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def policies_check(path: Path) -> None:
    """Validate a policies file; errors name the key and the line."""
    from services.runtime.policies import PolicyError, load_policies

    try:
        book = load_policies(path)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from exc
    shops = ", ".join(book.shop_ids) or "none"
    click.echo(f"{path}: valid (shop overrides: {shops})")


@cli.group()
def topology() -> None:
    """The broker topology (exchange, queues, bindings)."""


QUEUE_TYPE_CHOICE = click.Choice(["quorum", "classic"])


@topology.command("definitions")
@click.option(
    "--queue-type", type=QUEUE_TYPE_CHOICE, default="quorum", show_default=True,
    help="The type of every queue (AFTERSALE_QUEUE_TYPE).",
)  # fmt: skip
def topology_definitions(queue_type: QueueType) -> None:
    """Print the topology as RabbitMQ definitions JSON (deploy/rabbitmq/definitions.json)."""
    import json

    from services.runtime.routing import SUBSCRIPTIONS, worker_queue_names
    from services.runtime.topology import definitions

    document = definitions(
        worker_queue_names=worker_queue_names(SUBSCRIPTIONS), queue_type=queue_type
    )
    click.echo(json.dumps(document, indent=2))


@topology.command("migrate")
@click.option(
    "--to", "queue_type", type=QUEUE_TYPE_CHOICE, default=None,
    help="The type to move to (default: AFTERSALE_QUEUE_TYPE, quorum unless set).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def topology_migrate(queue_type: QueueType | None, as_json: bool) -> None:
    """Move every queue to another type (classic to quorum), keeping its messages.

    Stop aftersale first; a queue with consumers is refused. Safe to run again:
    an interrupted move is finished, queues already of the type are left alone.
    """
    import json

    from services.cli.preflight import fail, settings_or_fail
    from services.operator.migrate import MigrationRefused, migrate_topology
    from services.runtime.amqp import BrokerUnreachable

    settings = settings_or_fail()
    target: QueueType = queue_type or settings.queue_type
    try:
        report = migrate_topology(settings.amqp_url, target)
    except (BrokerUnreachable, MigrationRefused) as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2))
        return
    for move in report.queues:
        what = {
            "moved": f"moved to {target}, {move.moved} message(s) kept",
            "already": f"already {target}",
            "absent": "not declared yet (declared on the next start)",
        }[move.outcome]
        click.echo(f"{move.queue}: {what}")
    if target != settings.queue_type:
        click.echo(f"now start aftersale with AFTERSALE_QUEUE_TYPE={target}")


def main() -> None:
    from services.runtime.store.engine import UnsupportedStore

    try:
        cli(prog_name="aftersale")
    except UnsupportedStore as exc:  # any command that opens the store
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
