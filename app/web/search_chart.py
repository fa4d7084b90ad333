"""The staff search-analytics chart: per-day series drawn as server-rendered SVG polylines (no
JavaScript, no chart library), scaled to the busiest day."""
WIDTH, HEIGHT, PAD = 640, 180, 24
SERIES = (("searches", "Searches", "#2563eb"), ("zero_result", "Found nothing", "#dc2626"),
          ("clicks", "Clicks", "#6b7280"), ("deflections", "Deflections", "#16a34a"))


def analytics_chart(days: list[dict]) -> dict:
    """{width, height, top, lines: [{label, colour, points, total}], first, last} for the
    template; points are "x,y" pairs inside the padded box."""
    top = max([day[key] for day in days for key, _, _ in SERIES] + [1])
    span = max(len(days) - 1, 1)

    def point(n: int, value: int) -> str:
        x = PAD + n * (WIDTH - 2 * PAD) / span
        y = HEIGHT - PAD - value * (HEIGHT - 2 * PAD) / top
        return f"{x:.1f},{y:.1f}"

    lines = [{"label": label, "colour": colour, "total": sum(day[key] for day in days),
              "points": " ".join(point(n, day[key]) for n, day in enumerate(days))}
             for key, label, colour in SERIES]
    return {"width": WIDTH, "height": HEIGHT, "pad": PAD, "top": top, "lines": lines,
            "first": days[0]["day"] if days else None, "last": days[-1]["day"] if days else None}
