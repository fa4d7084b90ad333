"""How fast is `import stackexchange`? Writes a synthetic dump (default 100,000 posts: a quarter
questions, the rest answers, Stack Exchange-like HTML bodies, tags, accepted answers, duplicate
links, users) and imports it into a fresh SQLite instance, and into PostgreSQL when a URL is
given (--database-url, else DATABASE_URL; its schema is dropped and recreated). Prints posts/s.

    .venv/bin/python bench/import.py [--posts 100000] [--database-url postgresql+psycopg://...]
"""
import argparse
import logging
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import quoteattr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.instances import instance, postgres_url  # noqa: E402
from app.cli_import import rebuild_steps  # noqa: E402
from app.importers.stackexchange import import_dump  # noqa: E402

WORDS = ("hops malt yeast lager stout porter ale barrel cask bottle keg ferment boil mash wort "
         "temperature bitter sweet sour aroma flavour glass pour foam carbonation brewery "
         "recipe grain wheat barley water style season winter summer cellar age").split()
TAGS = [f"{a}-{b}" for a in WORDS[:12] for b in ("style", "brewing", "taste")]


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _body(rng: random.Random) -> str:
    parts = [f"<p>{_sentence(rng, rng.randint(12, 40))} <strong>{rng.choice(WORDS)}</strong> "
             f"<a href=\"https://example.com/{rng.randint(1, 999)}\">{rng.choice(WORDS)}</a></p>"
             for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.3:
        parts.append(f"<pre><code>{_sentence(rng, 8)}\n{_sentence(rng, 6)}\n</code></pre>")
    if rng.random() < 0.3:
        parts.append("<ul>" + "".join(f"<li>{_sentence(rng, 5)}</li>" for _ in range(3)) + "</ul>")
    return "\n".join(parts)


def write_dump(folder: Path, posts: int, seed: int = 14) -> Path:
    """A dump of `posts` posts in the older schema (tags as <a><b>), written row by row."""
    rng = random.Random(seed)
    users, questions = max(10, posts // 10), posts // 4
    with open(folder / "Users.xml", "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<users>\n')
        for i in range(1, users + 1):
            out.write(f'  <row Id="{i}" Reputation="{rng.randint(1, 5000)}" '
                      f'CreationDate="2015-01-01T00:00:00.000" '
                      f'DisplayName={quoteattr(f"{rng.choice(WORDS)} {rng.choice(WORDS)}")} />\n')
        out.write("</users>\n")
    with open(folder / "Posts.xml", "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<posts>\n')
        for q in range(1, questions + 1):
            tags = "".join(f"&lt;{t}&gt;" for t in rng.sample(TAGS, rng.randint(1, 4)))
            accepted = f'AcceptedAnswerId="{questions + q * 3 - 2}" ' if rng.random() < 0.6 else ""
            out.write(f'  <row Id="{q}" PostTypeId="1" {accepted}CreationDate="2016-01-01T10:00:00.000" '
                      f'Score="{rng.randint(-2, 40)}" ViewCount="{rng.randint(10, 9999)}" '
                      f'Body={quoteattr(_body(rng))} OwnerUserId="{rng.randint(1, users)}" '
                      f'Title={quoteattr(_sentence(rng, rng.randint(5, 12)))} Tags="{tags}" />\n')
        for n, a in enumerate(range(questions + 1, posts + 1)):
            parent = n // 3 + 1 if n // 3 < questions else rng.randint(1, questions)
            out.write(f'  <row Id="{a}" PostTypeId="2" ParentId="{parent}" '
                      f'CreationDate="2016-01-02T10:00:00.000" Score="{rng.randint(-2, 40)}" '
                      f'Body={quoteattr(_body(rng))} OwnerUserId="{rng.randint(1, users)}" />\n')
        out.write("</posts>\n")
    with open(folder / "PostLinks.xml", "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<postlinks>\n')
        for i in range(questions // 100):
            out.write(f'  <row Id="{i + 1}" PostId="{rng.randint(1, questions)}" '
                      f'RelatedPostId="{rng.randint(1, questions)}" LinkTypeId="3" />\n')
        out.write("</postlinks>\n")
    return folder


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(dump: Path, database_url: str | None,
            lexical: bool = False) -> tuple[float, float, float, dict, float | None]:
    """Wall seconds, this process's CPU seconds, the reading process's, the counts, and the
    seconds of the lexical index build after it (None when not asked for or not installed)."""
    with instance(database_url, SEARCH_BACKEND="database" if database_url else "whoosh"):
        started, cpu, child = time.perf_counter(), time.process_time(), _children_cpu()
        result = import_dump(dump, site_name="Synthetic Stack Exchange",
                             site_url="https://synthetic.stackexchange.com")
        figures = (time.perf_counter() - started, time.process_time() - cpu,
                   _children_cpu() - child, result.counts)
        steps = [s for s in rebuild_steps() if s.name == "lexical"] if lexical else []
        if not steps:
            return (*figures, None)
        started, cpu, child = time.perf_counter(), time.process_time(), _children_cpu()
        steps[0].run(lambda n: None)
        seconds = time.perf_counter() - started
        print(f"{'':<10} lexical index CPU: this process {time.process_time() - cpu:.1f} s, "
              f"index worker processes {_children_cpu() - child:.1f} s")
        return (*figures, seconds)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--database-url", help="PostgreSQL to measure too (schema is dropped)")
    parser.add_argument("--lexical", action="store_true",
                        help="also time the lexical index build (search.rebuild's step)")
    args = parser.parse_args(argv)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="se-synthetic-") as folder:
        started = time.perf_counter()
        dump = Path(folder) / "synthetic"
        dump.mkdir()
        write_dump(dump, args.posts)
        size = (dump / "Posts.xml").stat().st_size / 1e6
        print(f"synthetic dump: {args.posts:,} posts, Posts.xml {size:.0f} MB, "
              f"written in {time.perf_counter() - started:.1f} s")
        targets = [("SQLite", None)]
        if url := postgres_url(args.database_url):
            targets.append(("PostgreSQL", url))
        for label, url in targets:
            seconds, cpu, child, counts, index = measure(dump, url, args.lexical)
            posts = counts.get("threads imported", 0) + counts.get("answers imported", 0)
            print(f"{label:<10} {posts:>8,} posts in {seconds:6.1f} s = {posts / seconds:8,.0f} "
                  f"posts/s; CPU: writer {cpu:.1f} s, reader {child:.1f} s "
                  f"(load average {os.getloadavg()[0]:.1f}; "
                  f"{counts.get('users imported', 0):,} users, "
                  f"{counts.get('accepted answers', 0):,} accepted, "
                  f"{counts.get('duplicate links', 0):,} duplicate links)")
            if index is not None:
                print(f"{'':<10} then the lexical index in {index:.1f} s: search ready "
                      f"{seconds + index:.1f} s after the start")
            elif args.lexical:
                print(f"{'':<10} no lexical rebuild step (search.rebuild is not installed)")


if __name__ == "__main__":
    main()
