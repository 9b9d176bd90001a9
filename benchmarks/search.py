"""Search benchmark (issue 16): the client search on a database `caseload.py --keep` left behind.

    .venv/bin/python benchmarks/caseload.py --clients 100000 --keep      # once: builds and keeps it
    .venv/bin/python benchmarks/search.py --db wj_bench_caseload --var /tmp/wj-bench-caseload-… [--requests 100]

For the case manager (a caseload of one team) and the director (the whole office), it times the
search page (`--requests` requests after `--warmup`, through Django's test client: server time) for
full names, one word of a name (a family name alone, a given name alone), a name with one letter
wrong, and the commonest full name, going round names of clients in the user's caseload (Khmer and
Latin script in turn). Targets (issue 16): p95 under 100 ms for a part of a name, at 100,000 clients.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.common import setup_django  # noqa: E402

PART_TARGET_MS = 100.0
SEED = 16


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="a database caseload.py --keep left")
    parser.add_argument("--var", required=True, type=Path, help="its var folder (with keys/keyring.json)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    setup_django(f"{args.server}/{args.db}", args.var)
    from benchmarks.caseload import measure, most_common_name, name_parts, name_queries, signed_in_client, typo
    from wholejourney.accounts.models import User
    from wholejourney.clients import search as client_search
    from wholejourney.clients.models import Client

    client_search.NAME_SEARCHES_PER_MINUTE = 10**9  # one account's 100 searches a minute are the load here
    common_name, sharing = most_common_name()
    print(f"{Client.objects.count():,} clients; commonest full name shared by {sharing}; load {os.getloadavg()}")
    rng = random.Random(SEED)
    search = "/clients/search/?"
    results = []
    for username in ("casemanager", "director"):
        user = User.objects.get(username=username)
        browser = signed_in_client(user)
        names = name_queries(user, rng, 200)
        pages = [
            ("full name", [search + urlencode({"q": q}) for q in names]),
            ("commonest full name", [search + urlencode({"q": common_name})]),
            ("part of a name", [search + urlencode({"q": part}) for part in name_parts(names)]),
            ("one letter wrong", [search + urlencode({"q": typo(q, rng)}) for q in names]),
        ]
        results += [measure(label, user, browser, urls, PART_TARGET_MS, args) for label, urls in pages]
    print(
        f"\n{'search':22} {'user':12} {'median':>8} {'p95':>8} {'queries':>8}  (ms; target p95 < {PART_TARGET_MS:.0f})"
    )
    for result in results:
        print(f"{result.page:22} {result.user:12} {result.median:8.1f} {result.p95:8.1f} {result.query_label:>8}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
