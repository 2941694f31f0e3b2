"""The source tree: no circle of includes between the module's units.

A unit is a .c file with its .h; it depends on each unit whose header it
includes. Configuration, store, HTTP plumbing, protocol writers and the
endpoints each know only what is below them."""
import re

from harness import REPO


def include_graph():
    files = list((REPO / "modules").glob("amx_*.[ch]")) + [REPO / "mod_automx.c",
                                                           REPO / "mod_automx.h"]
    units = {p.stem for p in files}
    edges = {u: set() for u in units}
    for p in files:
        for name in re.findall(r'^#include "([^"]+)\.h"', p.read_text(), re.M):
            if name in units and name != p.stem:
                edges[p.stem].add(name)
    return edges


def circles(edges):
    found, state, path = [], {}, []

    def visit(u):
        state[u] = "open"
        path.append(u)
        for v in sorted(edges[u]):
            if state.get(v) == "open":
                found.append(path[path.index(v):] + [v])
            elif v not in state:
                visit(v)
        path.pop()
        state[u] = "done"

    for u in sorted(edges):
        if u not in state:
            visit(u)
    return found


def test_no_include_circles():
    assert circles(include_graph()) == []


def test_only_mod_automx_c_includes_mod_automx_h():
    users = [p.name for p in (REPO / "modules").glob("*.[ch]")
             if '#include "mod_automx.h"' in p.read_text()]
    assert users == []


def test_the_circle_finder_finds_one():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]
