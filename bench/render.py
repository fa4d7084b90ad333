"""Render benchmark: every pathological Markdown generator at the body limit (30,000 characters),
best of 3, with the ratio to half that size (about 2 when linear), the worst one, and a realistic
answer. Run: .venv/bin/python bench/render.py [--size N] [--old [SECONDS]]
"""
import argparse
import multiprocessing
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import content  # noqa: E402
from community.markdown import render  # noqa: E402

BODY_LIMIT = 30_000


def _repeat(unit: str):
    return lambda size: (unit * (size // len(unit) + 1))[:size]


def _nested_list(size: int) -> str:
    lines, i = [], 0
    while sum(map(len, lines)) + len(lines) < size:
        lines.append("  " * i + "- x")
        i += 1
    return "\n".join(lines)[:size]


def _wide_table(size: int) -> str:
    columns = max(1, (size - 4) // 6)
    return "|a" * columns + "|\n" + "|-" * columns + "|\n" + "|b" * columns + "|"


def _many_references(size: int) -> str:
    body = "".join(f"[ref{i}]: https://example.com/{i}\n" for i in range(size // 30))
    return (body + "".join(f"[ref{i}] " for i in range(size // 60)))[:size]


def _table_rows(size: int) -> str:
    return ("| a | b |\n|---|---|\n" + "| x |\n" * size)[:size]


def _nested_brackets(size: int) -> str:
    half = size // 2 - 1
    return "[" * half + "a" + "]" * half


def _nested_emphasis(size: int) -> str:
    pairs = max(1, (size - 1) // 14)
    return "*a **a " * pairs + "b" + " a** a*" * pairs


def _backticks(size: int) -> str:
    parts, i = [], 1
    while sum(map(len, parts)) < size:
        parts.append("e" + "`" * i)
        i += 1
    return "".join(parts)[:size]


def _unresolved_references(size: int) -> str:
    definitions = "".join(f"[{i}]: u\n" for i in range(1, size // 16))
    return (definitions + "[0] " * (size // 8))[:size]


# cmark's test/pathological_tests.py, at our body limit
CMARK = {
    "cmark: nested strong emph": _nested_emphasis, "cmark: a_ x N": _repeat("a_ "),
    "cmark: _a x N": _repeat("_a "), "cmark: a] x N": _repeat("a]"),
    "cmark: [a x N": _repeat("[a"), "cmark: *a_ x N": _repeat("*a_ "),
    "cmark: a**b c* x N": lambda size: "a**b" + _repeat("c* ")(size - 4),
    "cmark: [ a_ x N": _repeat("[ a_"), "cmark: [a](<b x N": _repeat("[a](<b"),
    "cmark: [a](b x N": _repeat("[a](b"), "cmark: backticks": _backticks,
    "cmark: many references": _unresolved_references, "[ (]( x N": _repeat("[ (]("),
}

PATHOLOGICAL = {**CMARK,
    "[ x N": _repeat("["), "] x N": _repeat("]"), "![ x N": _repeat("!["),
    "[a]( x N": _repeat("[a]("), "![a]( x N": _repeat("![a]("), "[]( x N": _repeat("[]("),
    "[a](<": _repeat("[a](<"), "[a](b \" x N": _repeat('[a](b "'), "[[...a]]": _nested_brackets,
    "1. x N (one line)": _repeat("1. "), "- x N (one line)": _repeat("- "),
    "> x N": _repeat("> "), "> - x N": _repeat("> - "), "nested list lines": _nested_list,
    "* x N": _repeat("*"), "_ x N": _repeat("_"), "~ x N": _repeat("~"), "` x N": _repeat("`"),
    "a* x N": _repeat("a*"), "a_ x N": _repeat("a_"), "a** x N": _repeat("a**"),
    "*a **b x N": _repeat("*a **b "), "**a* x N": _repeat("**a*"), "~~a x N": _repeat("~~a"),
    "`a`` x N": _repeat("`a``"), "\\ x N": _repeat("\\"), "\\* x N": _repeat("\\*"),
    "< x N": _repeat("<"), "<a x N": _repeat("<a "), "<!-- x N": _repeat("<!--"),
    "<http:// x N": _repeat("<http://"), "& x N": _repeat("&"), "&# x N": _repeat("&#"),
    "&#x x N": _repeat("&#x"), "&amp; x N": _repeat("&amp;"),
    "link reference definitions": _many_references, "[a]: x N": _repeat("[a]: "),
    "| x N": _repeat("|"), "table, thousands of columns": _wide_table,
    "table, many rows": _table_rows, "|\\n x N": _repeat("|\n"),
    "# x N": _repeat("#"), "=\\n x N": _repeat("a\n="), "```\\n x N": _repeat("```\n"),
    "newlines": _repeat("\n"), "spaces": _repeat(" "), "a  \\n x N": _repeat("a  \n"),
    "a:// x N": _repeat("a://"), "http:// x N": _repeat("http://"), "www. x N": _repeat("www."),
    "a@ x N": _repeat("a@"), "a. x N": _repeat("a."), "mailto: x N": _repeat("mailto:"),
    "url with ( x N": lambda size: "http://x.example/" + _repeat("(")(size - 17),
    "url with a. x N": lambda size: "http://x.example/" + _repeat("a.")(size - 17),
    "a-@b. x N": _repeat("a-@b."), "// x N": _repeat("//"),
}


def realistic(size: int = BODY_LIMIT) -> str:
    """Plausible support answers, joined until the body limit."""
    rng, parts = random.Random(7), []
    while sum(map(len, parts)) < size:
        parts.append(content.body(rng, paragraphs=3))
    return "\n\n".join(parts)[:size]


def best_of(fn, text: str, runs: int = 3, clock=time.perf_counter) -> float:
    times = []
    for _ in range(runs):
        start = clock()
        fn(text)
        times.append(clock() - start)
    return min(times)


def timed(text: str) -> tuple[float, float]:
    """(wall, CPU) seconds, each the best of 3: on a busy machine the CPU time is the steadier."""
    return best_of(render, text), best_of(render, text, clock=time.process_time)


def _old_render(text: str) -> None:
    import markdown  # Python-Markdown with the extensions the previous renderer used
    markdown.markdown(text, extensions=["fenced_code", "tables", "sane_lists",
                                        "pymdownx.magiclink"])


def _old_time(text: str, timeout: float) -> str:
    """Python-Markdown in a child process, so an input that stalls it can be abandoned."""
    with multiprocessing.Pool(1) as pool:
        result = pool.apply_async(best_of, (_old_render, text, 1))
        try:
            return f"{result.get(timeout) * 1000:10.1f}"
        except multiprocessing.TimeoutError:
            return f"{'>' + str(int(timeout * 1000)):>10}"
        except Exception as exc:  # noqa: BLE001 - the old renderer's failure is a figure too
            return f"{type(exc).__name__:>10}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=BODY_LIMIT)
    parser.add_argument("--old", type=float, nargs="?", const=10.0, default=None,
                        help="also time Python-Markdown, abandoning it after SECONDS (10)")
    args = parser.parse_args()
    if args.old is not None:
        try:
            import markdown  # noqa: F401
            import pymdownx  # noqa: F401
        except ImportError:
            print("Python-Markdown or pymdown-extensions is not installed; skipping --old")
            args.old = None
    print(f"render() of {args.size:,}-character bodies, best of 3, in ms (wall clock and CPU); "
          f"'x2' is the CPU time ratio to half the size (about 2 when linear)")
    header = (f"{'input':32} {'ms':>10} {'cpu ms':>10} {'x2':>6}"
              + (f" {'old ms':>10}" if args.old else ""))
    print(header + "\n" + "-" * len(header))
    worst = ("", 0.0)
    for name, make in PATHOLOGICAL.items():
        text = make(args.size)
        (full, cpu), (_, half) = timed(text), timed(make(args.size // 2))
        line = f"{name:32} {full * 1000:10.1f} {cpu * 1000:10.1f} {cpu / max(half, 1e-9):6.2f}"
        if args.old:
            line += f" {_old_time(text, args.old)}"
        print(line, flush=True)
        worst = max(worst, (name, full), key=lambda item: item[1])
    text = realistic(args.size)
    full, cpu = timed(text)
    line = f"{'realistic answer':32} {full * 1000:10.1f} {cpu * 1000:10.1f} {'':6}"
    print(line + (f" {_old_time(text, args.old)}" if args.old else ""))
    print(f"\nworst pathological input: {worst[0]!r} at {worst[1] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
