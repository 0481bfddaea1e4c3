"""Benchmark: the public pages' speed against a bare Wagtail page, and their query counts as content grows.

Not a test. What it measures, on a throw-away site built like `make setup` (SQLite in a temporary DATA_DIR, or
PostgreSQL when DATABASE_URL is set: a database `sbg_bench_pages` created there and dropped at the end):

1. Requests/s under gunicorn (config/gunicorn.py when present, on a free loopback port) of the home page, the story
   index, a demo story page and a story with 20 body blocks, each against `BarePage` (bench/bare: a page type with
   just a title and a bare template, placed beside the stories so that Wagtail routes to it as to a story) served
   by the same process; `BareSitePage` (the same in the site's base.html)
   shows how much of the difference is the site's chrome (header, language switcher, footer). `--clients`
   keep-alive clients hit one URL for `--seconds` at a time, the URLs taking turns for `--rounds` rounds so that a
   noisy machine hurts them alike.
   Ratio = requests/s of the page / requests/s of the bare page; the goal (issue 10) is >= 0.8.
2. SQL queries per page (in this process, Django's test client and CaptureQueriesContext, after one warm-up request)
   for a story index with 1, 5 and 20 stories, a story with 1, 5 and 20 body blocks (paragraphs, quotes and images),
   an approach page with 1, 5 and 20 session guides and the home page before and after 26 more stories: the count
   must not grow with the content. When it does, the queries repeated most are printed.

Usage: .venv/bin/python bench/pages.py [--clients 8] [--seconds 3] [--rounds 3]
       DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/pages.py
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import Client, Gunicorn, ThrowawaySite, server_errors  # noqa: E402

SIZES = (1, 5, 20)


def png(color: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1200, 800), color).save(out, "PNG")
    return out.getvalue()


def body(n: int, images: list) -> list:
    """`n` blocks, in turn an image, a paragraph and a quote (so even one block has an image)."""
    blocks = []
    for i in range(n):
        if i % 3 == 0:
            blocks.append(("image", {"image": images[i % len(images)], "alt_text": f"Сурет {i}", "caption": ""}))
        elif i % 3 == 1:
            blocks.append(("paragraph", f"<p>Абзац {i}: біздің ауылда көктем ерте келетін.</p>"))
        else:
            blocks.append(("quote", {"text": f"Дәйексөз {i}", "attribution": "Әже"}))
    return blocks


def build() -> dict[str, object]:
    """The bare page, and pages of each size; returns their URLs (kk)."""
    from django.core.files.images import ImageFile
    from django.utils import translation
    from wagtail.images import get_image_model

    from bench.bare.models import BarePage, BareSitePage
    from facilitation.models import Region
    from stories.factories import (
        ApproachPageFactory,
        SessionGuidePageFactory,
        StoryIndexPageFactory,
        StoryPageFactory,
    )
    from stories.models import HomePage, StoryPage, Theme

    urls: dict[str, object] = {}
    with translation.override("kk"):
        home = HomePage.objects.get()
        demo_story = StoryPage.objects.live().order_by("pk").first()
        demo_index = demo_story.get_parent()
        # The baselines sit beside the stories: the same depth, so Wagtail routes to them exactly as to a story.
        bare = demo_index.add_child(instance=BarePage(title="Bare", slug="bare"))
        bare_site = demo_index.add_child(instance=BareSitePage(title="Bare site", slug="bare-site"))
        urls["bare"] = bare.get_url()
        urls["bare in base.html"] = bare_site.get_url()
        urls["home"] = home.get_url()
        urls["index"] = demo_index.get_url()
        urls["story (demo)"] = demo_story.get_url()
        source = {"source_session": demo_story.source_session}  # attendees who consent to everything, photos too
        Image = get_image_model()
        images = [
            Image.objects.create(title=f"bench {i}", file=ImageFile(io.BytesIO(png(color)), name=f"bench-{i}.png"))
            for i, color in enumerate(["orange", "teal", "navy", "olive", "maroon", "gray", "purple"])
        ]
        themes = list(Theme.objects.all())
        region = Region.objects.first()
        urls["story_blocks"] = {}
        urls["index_stories"] = {}
        urls["approach_guides"] = {}
        for n in SIZES:
            index = StoryIndexPageFactory(parent=home, title_kk=f"Индекс {n}", slug_kk=f"bench-index-{n}")
            for i in range(n):
                story = StoryPageFactory(parent=index, title_kk=f"Әңгіме {n}-{i}", slug_kk=f"bench-{n}-{i}", **source)
                story.themes.set(themes)
                story.save_revision().publish()
            urls["index_stories"][n] = index.get_url()
            story = StoryPageFactory(
                parent=index,
                title_kk=f"Блоктар {n}",
                slug_kk=f"bench-blocks-{n}",
                body_kk=body(n, images),
                region=region,
                story_languages=["kk", "ru"],
                **source,
            )
            story.themes.set(themes)
            story.save_revision().publish()
            urls["story_blocks"][n] = story.get_url()
            approach = ApproachPageFactory(parent=home, title_kk=f"Әдіс {n}", slug_kk=f"bench-approach-{n}")
            for i in range(n):
                SessionGuidePageFactory(
                    parent=approach, title_kk=f"Нұсқау {n}-{i}", slug_kk=f"bench-guide-{n}-{i}", theme=themes[0]
                )
            urls["approach_guides"][n] = approach.get_url()
    return urls


def normalise(sql: str) -> str:
    return re.sub(r"\b\d+\b", "N", re.sub(r"'[^']*'", "'…'", sql))[:200]


def count_queries(path: str) -> tuple[int, list[str], int]:
    """(queries, their SQL, status) of one GET in this process, after a warm-up GET of the same page."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    client = DjangoClient(HTTP_HOST="localhost")
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return len(captured.captured_queries), [q["sql"] for q in captured.captured_queries], response.status_code


def query_table(urls: dict, home_before: int) -> bool:
    print(f"\n{'page':<34}" + "".join(f"{n:>8}" for n in SIZES) + "   constant")
    constant_everywhere = True
    for label, key in (
        ("story index, N stories", "index_stories"),
        ("story page, N body blocks", "story_blocks"),
        ("approach page, N session guides", "approach_guides"),
    ):
        counts, sqls = [], []
        for n in SIZES:
            count, sql, status = count_queries(urls[key][n])
            assert status == 200, (urls[key][n], status)
            counts.append(count)
            sqls.append(sql)
        constant = len(set(counts)) == 1
        constant_everywhere &= constant
        print(f"{label:<34}" + "".join(f"{c:>8}" for c in counts) + f"   {constant}")
        if not constant:
            repeated = Counter(normalise(q) for q in sqls[-1]) - Counter(normalise(q) for q in sqls[0])
            for sql, extra in repeated.most_common(4):
                print(f"    +{extra} with {SIZES[-1]} vs {SIZES[0]}: {sql}")
    home_after, _sql, _status = count_queries(urls["home"])
    print(f"{'home page, demo stories / +26':<34}{home_before:>8}{home_after:>8}{'':>8}   {home_before == home_after}")
    for label in ("bare", "bare in base.html", "story (demo)"):
        count, _sql, _status = count_queries(urls[label])
        print(f"{label + ' page':<34}{count:>8}")
    return constant_everywhere and home_before == home_after


def hammer(port: int, path: str, clients: int, seconds: float) -> tuple[int, list[float], Counter]:
    """`clients` keep-alive clients GET `path` for `seconds`: (responses, latencies, statuses)."""
    stop = threading.Event()
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()

    def run() -> None:
        client = Client(port)
        mine, codes = [], Counter()
        while not stop.is_set():
            try:
                response = client.get(path)
            except OSError:
                codes[0] += 1
                client.close()
                continue
            mine.append(response.seconds)
            codes[response.status] += 1
        client.close()
        with lock:
            latencies.extend(mine)
            statuses.update(codes)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(60)
    return sum(statuses.values()), latencies, statuses


def throughput(port: int, urls: dict, clients: int, seconds: float, rounds: int) -> None:
    targets = {
        "bare Wagtail page": urls["bare"],
        "bare in base.html": urls["bare in base.html"],
        "home page": urls["home"],
        "story index": urls["index"],
        "story page (demo)": urls["story (demo)"],
        "story page, 20 blocks": urls["story_blocks"][20],
    }
    for path in targets.values():  # warm every worker's caches (templates, translations, renditions)
        for _ in range(clients):
            Client(port).get(path)
    totals = {label: [0, 0.0, [], Counter()] for label in targets}
    for _ in range(rounds):
        for label, path in targets.items():
            t0 = time.perf_counter()
            n, latencies, statuses = hammer(port, path, clients, seconds)
            totals[label][0] += n
            totals[label][1] += time.perf_counter() - t0
            totals[label][2] += latencies
            totals[label][3].update(statuses)
    bare_rps = totals["bare Wagtail page"][0] / totals["bare Wagtail page"][1]
    print(f"\n{'page':<24}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'vs bare':>9}  statuses")
    for label, (n, elapsed, latencies, statuses) in totals.items():
        rps = n / elapsed
        p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else float("nan")
        print(
            f"{label:<24}{n:>9}{rps:>8.1f}{statistics.median(latencies) * 1000:>8.0f}{p95 * 1000:>8.0f}"
            f"{rps / bare_rps:>8.2f}x  {dict(statuses)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0, help="per URL and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queries-only", action="store_true", help="skip gunicorn, only count queries")
    args = parser.parse_args()

    site = ThrowawaySite("pages")
    server = None
    try:
        t0 = time.perf_counter()
        site.setup_django()
        site.build()
        from stories.models import HomePage

        home_before, _sql, _status = count_queries(HomePage.objects.get().get_url())
        urls = build()
        print(f"database: {site.vendor}   data dir: {site.data_dir}   set-up: {time.perf_counter() - t0:.1f} s")
        constant = query_table(urls, home_before)
        print(f"queries_constant: {constant}")
        if args.queries_only:
            return
        from django.db import connections

        connections.close_all()
        log_path = site.data_dir / "gunicorn.log"
        server = Gunicorn(site, log_path)
        print(f"\ngunicorn: {server.how}   port {server.port}")
        print(f"{args.clients} clients, {args.seconds} s per URL per round, {args.rounds} rounds")
        throughput(server.port, urls, args.clients, args.seconds, args.rounds)
        server.stop()
        logged, causes = server_errors(log_path)
        print(f"500s logged by the server: {logged}")
        for summary in causes:
            print("--- " + summary)
    finally:
        if server is not None:
            server.stop()
        site.close()


if __name__ == "__main__":
    main()
