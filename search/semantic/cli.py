"""`flask search check-embeddings [--repair]`: thread vectors against the database (the semantic
layer's drift view beside `search check`); `search rebuild` runs its "embeddings" step."""
import click

from search.cli import search_cli
from search.semantic import enabled


@search_cli.command("check-embeddings")
@click.option("--repair", is_flag=True, help="Embed missing and stale threads, drop extra vectors.")
def check_embeddings(repair):
    """Compare the thread vectors with the database: missing, stale and extra."""
    from search.semantic.embedder import drift, refresh_threads
    if not enabled():
        click.echo("the semantic layer is off (SEARCH_SEMANTIC) or its model is missing")
        return
    found = drift()
    for label in ("missing", "stale", "extra"):
        ids = found[label]
        shown = " ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
        click.echo(f"{label}: {len(ids)}" + (f"  ({shown})" if ids else ""))
    if not any(found.values()):
        click.echo("the vectors match the database")
        return
    if not repair:
        raise click.exceptions.Exit(1)
    refresh_threads(found["missing"] + found["stale"] + found["extra"])
    click.echo("repaired" if not any(drift().values()) else "drift remains after repair")
