"""`flask import stackexchange DIR`: import a Stack Exchange dump with a progress bar, print what
was imported and skipped, then run the after-import hooks (the search index build)."""
import importlib
import importlib.util
from pathlib import Path
from xml.etree.ElementTree import ParseError

import click
from flask import current_app
from flask.cli import AppGroup

from app.importers.stackexchange import ImportResult, import_dump, posts_size

import_cli = AppGroup("import", help="Bring in content from another community.")
# Callables `hook(result: ImportResult)` run after every import, in order; the first runs
# search's rebuild steps when the search package has them (search.rebuild.steps).
AFTER_IMPORT = "commonplace.after_import"


def after_import_hooks(app) -> list:
    """The app's hooks; the first is the search rebuild (a no-op until search is installed)."""
    return app.extensions.setdefault(AFTER_IMPORT, [rebuild_search])


def rebuild_steps() -> list:
    """search.rebuild's registered steps, lexical first; none when search is not installed."""
    if importlib.util.find_spec("search.rebuild") is None:
        return []
    steps = importlib.import_module("search.rebuild").steps
    return sorted(steps.values(), key=lambda step: step.name != "lexical")


def rebuild_search(result: ImportResult) -> None:
    """Rebuild the lexical index (search is ready once it is done), then the other steps (the
    embeddings), each with its progress bar."""
    for step in rebuild_steps():
        with click.progressbar(length=step.total() or 1, label=f"Search: {step.name}",
                               show_pos=True) as bar:
            done = step.run(bar.update)
        click.echo(f"search {step.name}: {done} done"
                   + (" (lexical search is ready)" if step.name == "lexical" else ""))


def run_after_import(app, result: ImportResult) -> None:
    for hook in after_import_hooks(app):
        hook(result)


@import_cli.command("stackexchange")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--site-name", help="The site's name in credit lines (default: from SOURCE.md, "
                                  "else the folder's name).")
@click.option("--site-url", help="The site's address, e.g. https://beer.stackexchange.com.")
@click.option("--batch-size", default=2000, show_default=True, type=click.IntRange(1, 10_000),
              help="Rows per transaction.")
@click.option("--index/--no-index", default=True, show_default=True,
              help="Run the after-import hooks (the search index build).")
def import_stackexchange(directory: Path, site_name, site_url, batch_size, index):
    """Import an official Stack Exchange dump from DIRECTORY (idempotent: run it again to
    complete an interrupted import; nothing is created twice)."""
    if not (directory / "Posts.xml").is_file():
        raise click.ClickException(f"{directory / 'Posts.xml'} is missing: a dump has at "
                                   "least Posts.xml (and PostLinks.xml for duplicate links)")
    try:
        with click.progressbar(length=posts_size(directory), label="Importing posts",
                               show_percent=True, show_eta=True) as bar:
            result = import_dump(directory, site_name, site_url, progress=bar.update,
                                 batch=batch_size)
    except ParseError as exc:
        raise click.ClickException(f"the dump is not well-formed XML ({exc}); the batches read "
                                   "before it are imported, and a re-run skips them") from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{result.site.name} ({result.site.url}) → category '{result.site.key}'")
    for name, count in result.counts.items():
        click.echo(f"  {name}: {count}")
    if index:
        run_after_import(current_app, result)
