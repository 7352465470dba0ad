#!/usr/bin/env python3
"""Picks a corpus within a byte budget from a campaign's inputs.

    python3 fuzz/select.py INPUT_DIR MAPS_DIR OUT_DIR BUDGET_BYTES

MAPS_DIR holds one `afl-showmap -e` trace per input file (same names). Greedy
set cover: repeatedly keeps the file that adds the most not-yet-covered edges
per byte, until every edge is covered or the budget is spent, and reports
the edges the budget left out. Files are named by a prefix of their SHA-256, so a file keeps its
name across campaigns.
"""

import hashlib
import heapq
import pathlib
import sys


def main() -> None:
    src, maps, dst = (pathlib.Path(a) for a in sys.argv[1:4])
    budget = int(sys.argv[4])
    edges: dict[pathlib.Path, set[str]] = {}
    for f in sorted(src.iterdir()):
        m = maps / f.name
        if f.is_file() and m.is_file():
            edges[f] = {line.split(":")[0] for line in m.read_text().split()}
    universe = set().union(*edges.values()) if edges else set()
    covered: set[str] = set()
    chosen: list[pathlib.Path] = []
    spent = 0

    def gain(f: pathlib.Path) -> float:
        return len(edges[f] - covered) / (f.stat().st_size + 64)

    # Lazy greedy: a file's gain only falls as coverage grows, so a popped
    # file whose recomputed gain still tops the heap is the best choice.
    heap = [(-gain(f), f.name, f) for f in edges]
    heapq.heapify(heap)
    while heap:
        _, _, f = heapq.heappop(heap)
        g = gain(f)
        if g == 0:
            continue
        if heap and g < -heap[0][0]:
            heapq.heappush(heap, (-g, f.name, f))
            continue
        size = f.stat().st_size
        if spent + size > budget:
            continue
        covered |= edges[f]
        chosen.append(f)
        spent += size
    dst.mkdir(parents=True, exist_ok=True)
    for f in chosen:
        data = f.read_bytes()
        (dst / hashlib.sha256(data).hexdigest()[:16]).write_bytes(data)
    print(
        f"kept {len(chosen)} files, {spent} bytes, covering {len(covered)} of {len(universe)} edges"
    )


if __name__ == "__main__":
    main()
