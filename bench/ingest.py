"""Throughput of the mbox splitter against plainly reading the same file, in the same run.

    python bench/ingest.py [--mb 500] [--dir DIR]

Writes a generated mbox of about --mb megabytes (5-50 KB messages) in DIR (default: a temporary
folder, removed afterwards), then times (a) reading it in 1 MiB chunks and (b) `iter_dump` over
it (splitting, hashing, variant pre-scan), and prints MB/s for both and the ratio.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from contrefeu.ingest import iter_dump

FROM = b"From sender@example.org Mon Jan  1 00:00:00 2024\n"


def write_mbox(path: Path, megabytes: int) -> int:
    rng = random.Random(1)
    words = [b"bonjour", b"campagne", b"meeting", b"From", b">From", b"budget", b"\n"]
    size = count = 0
    with path.open("wb") as out:
        while size < megabytes * 1024 * 1024:
            body = b"Hello " + b" ".join(rng.choice(words) for _ in range(rng.randint(700, 7000)))
            message = FROM + b"From: a@example.org\nSubject: %d\n\n" % count + body + b"\n\n"
            out.write(message)
            size += len(message)
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=500)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = Path(folder) / "bench.mbox"
        count = write_mbox(path, args.mb)
        size = path.stat().st_size / 1024 / 1024
        start = time.perf_counter()
        with path.open("rb") as stream:
            while stream.read(1024 * 1024):
                pass
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        items = sum(1 for _ in iter_dump(path))
        split_s = time.perf_counter() - start
        assert items == count, (items, count)
        print(f"mbox: {size:.0f} MB, {count} messages")
        print(f"plain read:      {size / read_s:8.0f} MB/s")
        print(f"iter_dump split: {size / split_s:8.0f} MB/s ({count / split_s:.0f} messages/s)")
        print(f"ratio split/read: {read_s / split_s:.2f}")


if __name__ == "__main__":
    main()
