#!/usr/bin/env python3
"""Checks that the crate's modules depend on each other without cycles.

A module depends on another when its code names an item defined there:
through `use crate::…`, `use super::…` or a path written inline
(`crate::dsse::pae(…)`). Re-exports are resolved to where the item is
defined, so `crate::Artifact` is an edge to `verify`, and a parent's
`pub use child::X` is the parent's namespace, not a dependency (unless the
parent's own code uses `X`). Comments, strings and `#[cfg(test)]` code are
ignored: tests may reach across modules.

The nodes are the top-level modules, with the modules named in SPLIT taken
apart into their submodules (whose own submodules fold into them). Two
rules are checked:

* the graph has no cycle;
* no domain module depends on one of ABOVE_ALL (the local instance, the
  fuzz targets and the Python bindings may use anything; nothing uses them).

Prints any violation (with `-v`, every edge and the names that make it
first) and exits 1 if there is one. Run from the repository root
(scripts/test.sh does); no dependencies.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SRC = Path("src")
SPLIT = {"tlog", "index"}
ABOVE_ALL = {"testing", "fuzz", "py"}


RAW_STRING = re.compile(r'b?r(#*)"')


def strip(text: str) -> str:
    """The code without comments, string or char literals (kept as `""`)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif (m := RAW_STRING.match(text, i)) and not (
            text[i - 1 : i].isalnum() or text[i - 1 : i] == "_"
        ):
            end = '"' + m.group(1)
            j = text.find(end, i + m.end())
            i = n if j < 0 else j + len(end)
            out.append('""')
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            out.append('""')
        elif c == "'" and (m := re.match(r"'(\\.[^']*|[^\\'])'", text[i:])):
            i += m.end()
            out.append("' '")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def item_end(code: str, i: int) -> int:
    """The end of the item starting at `i`: its `;` or its closing brace."""
    depth = 0
    while i < len(code):
        if code[i] == "{":
            depth += 1
        elif code[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        elif code[i] == ";" and depth == 0:
            return i + 1
        i += 1
    return i


CFG_TEST = re.compile(r"#\[cfg\(test\)\]")


def drop_test_items(code: str) -> tuple[str, set[str]]:
    """The code without `#[cfg(test)]` items, and the names of the
    `#[cfg(test)] mod name;` files it declares."""
    test_mods: set[str] = set()
    while m := CFG_TEST.search(code):
        end = item_end(code, m.end())
        item = code[m.end() : end]
        if mm := re.match(r"\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", item):
            test_mods.add(mm.group(1))
        code = code[: m.start()] + code[end:]
    return code, test_mods


def use_paths(tree: str) -> list[tuple[list[str], str]]:
    """Expands a use tree (`a::{b, c::{d as e, self}}`) to (path, local name)."""
    out: list[tuple[list[str], str]] = []

    def expand(prefix: list[str], t: str) -> None:
        t = t.strip()
        if t.endswith("}"):
            head, body = t.split("{", 1)
            prefix = prefix + [s.strip() for s in head.split("::") if s.strip()]
            depth, start, parts = 0, 0, []
            body = body[:-1]
            for k, ch in enumerate(body):
                depth += ch == "{"
                depth -= ch == "}"
                if ch == "," and depth == 0:
                    parts.append(body[start:k])
                    start = k + 1
            parts.append(body[start:])
            for p in parts:
                if p.strip():
                    expand(prefix, p)
            return
        path, alias = t, ""
        if m := re.fullmatch(r"(.*?)\s+as\s+(\w+)", t, re.S):
            path, alias = m.group(1), m.group(2)
        segs = prefix + [s.strip() for s in path.split("::") if s.strip()]
        if segs and segs[-1] == "self":
            segs = segs[:-1]
        if segs and segs[-1] != "*":
            out.append((segs, alias or segs[-1]))

    expand([], tree)
    return out


class Module:
    def __init__(self, path: tuple[str, ...], code: str):
        self.path = path
        self.code = code  # this module's own code, inline submodules removed
        self.reexports: dict[str, list[str]] = {}  # name -> absolute target path
        self.children: set[str] = set()


modules: dict[tuple[str, ...], Module] = {}


def load(path: tuple[str, ...], file: Path) -> None:
    code, test_mods = drop_test_items(strip(file.read_text()))
    add_module(path, code, file, test_mods)


def add_module(path: tuple[str, ...], code: str, file: Path, test_mods: set[str]) -> None:
    mod = Module(path, "")
    modules[path] = mod
    # Inline `mod name { … }` blocks are submodules of this one.
    while m := re.search(r"\b(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*\{", code):
        end = item_end(code, m.end() - 1)
        mod.children.add(m.group(1))
        add_module((*path, m.group(1)), code[m.end() : end - 1], file, set())
        code = code[: m.start()] + code[end:]
    for m in re.finditer(r"\bmod\s+(\w+)\s*;", code):
        name = m.group(1)
        if name in test_mods:
            continue
        base = file.parent if file.name in ("mod.rs", "lib.rs") else file.with_suffix("")
        for child in (base / f"{name}.rs", base / name / "mod.rs"):
            if child.exists():
                mod.children.add(name)
                load((*path, name), child)
                break
    mod.code = code


def absolute(mod: tuple[str, ...], segs: list[str]) -> list[str] | None:
    """`segs` as a path from the crate root, or None for another crate."""
    if not segs:
        return None
    if segs[0] == "crate":
        return segs[1:]
    if segs[0] in ("self", "super"):
        base = list(mod)
        while segs and segs[0] in ("self", "super"):
            if segs[0] == "super":
                base = base[:-1]
            segs = segs[1:]
        return base + segs
    if segs[0] in modules[mod].children:
        return list(mod) + segs
    return None


def defining_module(path: list[str], seen: int = 0) -> tuple[str, ...]:
    """The module that defines the item at `path` (resolving re-exports)."""
    cur: tuple[str, ...] = ()
    for i, seg in enumerate(path):
        if seg in modules[cur].children:
            cur = (*cur, seg)
            continue
        target = modules[cur].reexports.get(seg)
        if target is not None and seen < 20:
            return defining_module(target + path[i + 1 :], seen + 1)
        return cur
    return cur


def node(path: tuple[str, ...]) -> str | None:
    if not path:
        return None  # the crate root: a namespace of re-exports
    if path[0] in SPLIT and len(path) > 1:
        return "::".join(path[:2])
    return path[0]


USE = re.compile(r"\b(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);")
INLINE = re.compile(r"\b(?:crate|self|super)(?:::\w+)+")


def main() -> int:
    load((), SRC / "lib.rs")
    uses: dict[tuple[str, ...], list[tuple[list[str], bool, str]]] = {}
    for path, mod in modules.items():
        found: list[tuple[list[str], bool, str]] = []
        for m in USE.finditer(mod.code):
            for segs, name in use_paths(m.group(2)):
                target = absolute(path, segs)
                if target is None:
                    continue
                found.append((target, bool(m.group(1)), name))
                if m.group(1):
                    mod.reexports[name] = target
        uses[path] = found

    edges: dict[tuple[str, str], set[str]] = {}

    def edge(src: tuple[str, ...], target: list[str]) -> None:
        a, b = node(src), node(defining_module(target))
        if a and b and a != b:
            edges.setdefault((a, b), set()).add("::".join(target))

    for path, mod in modules.items():
        rest = USE.sub("", mod.code)
        for target, is_pub, name in uses[path]:
            # A module imported by name counts by the paths through it
            # (below); a re-export is namespace, unless this module uses it.
            if tuple(target) in modules:
                continue
            if not is_pub or re.search(rf"\b{re.escape(name)}\b", rest):
                edge(path, target)
        for m in INLINE.finditer(rest):
            target = absolute(path, m.group(0).split("::"))
            if target is not None:
                edge(path, target)
        # `use crate::tlog;` then `tlog::parse_body(…)`: resolve the rest too.
        for target, _, name in uses[path]:
            if tuple(target) in modules:
                for m in re.finditer(rf"(?<!::)\b{re.escape(name)}((?:::\w+)+)", rest):
                    edge(path, target + m.group(1).split("::")[1:])

    if "-v" in sys.argv[1:]:
        for (a, b), via in sorted(edges.items()):
            print(f"{a} -> {b}   ({', '.join(sorted(via))})")

    failed = False
    for (a, b), via in sorted(edges.items()):
        if b.split("::")[0] in ABOVE_ALL and a.split("::")[0] not in ABOVE_ALL:
            names = ", ".join(sorted(via))
            print(f"error: {a} depends on {b}, which no domain module may use ({names})")
            failed = True
    for scc in strongly_connected({a for a, _ in edges} | {b for _, b in edges}, edges):
        if len(scc) > 1:
            print(f"error: import cycle among {', '.join(sorted(scc))}")
            failed = True
    if not failed:
        nodes = {a for a, _ in edges} | {b for _, b in edges}
        print(f"ok: {len(nodes)} modules, {len(edges)} edges, no cycle")
    return 1 if failed else 0


def strongly_connected(nodes: set[str], edges: dict[tuple[str, str], set[str]]) -> list[set[str]]:
    """Tarjan's algorithm."""
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        succ[a].append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = set()
            while True:
                w = stack.pop()
                on.discard(w)
                scc.add(w)
                if w == v:
                    break
            out.append(scc)

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


if __name__ == "__main__":
    sys.exit(main())
