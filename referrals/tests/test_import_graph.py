"""The referral services depend one way (issue 7 §2): applications → attribution → earnings, with
the fold, the rule book and the bulk SQL below them. A cycle — even through an import inside a
function — fails here, naming it."""

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[1] / "services"


def _graph() -> dict[str, set[str]]:
    modules = {p.stem for p in SERVICES.glob("*.py") if p.stem != "__init__"}
    graph = {}
    for name in modules:
        tree = ast.parse((SERVICES / f"{name}.py").read_text())
        deps = set()
        for node in ast.walk(tree):  # every import, at the top or inside a function
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module in modules:
                deps.add(node.module)
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("referrals.services."):
                deps.add(node.module.rsplit(".", 1)[1])
        graph[name] = deps - {name}
    return graph


def _cycle(graph):
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return stack[stack.index(dep) :] + [dep]
            if dep not in state and (found := visit(dep)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_referral_services_import_each_other_one_way():
    graph = _graph()
    assert graph["applications"] >= {"attribution", "earnings", "folding"}
    assert _cycle(graph) is None, " → ".join(_cycle(graph))


def test_the_graph_check_would_see_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_the_recompute_writes_back_every_field_the_fold_and_attribution_set():
    """APP_UPDATE_FIELDS is hand-listed for speed: it must cover every field a recompute changes."""
    from referrals.models import Application
    from referrals.services.attribution import APP_UPDATE_FIELDS

    never_recomputed = {"id", "application_id", "created_at", "credit_override"}
    fields = {f.name for f in Application._meta.concrete_fields}
    assert fields - never_recomputed == set(APP_UPDATE_FIELDS), sorted(fields - never_recomputed ^ set(APP_UPDATE_FIELDS))
