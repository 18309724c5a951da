"""Views read their input through a form or a serializer, never straight from the request.

request.GET / POST / FILES (and DRF's query_params / data) may only be handed to a call -
the form or serializer that parses them. `request.POST.get("x")`, `int(...)` on a raw
value or `request.GET.urlencode()` is what let `organisation=²` (isdigit() true, int()
fails) and a NUL byte through to a 500.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "accounts", "partnerships", "events", "agreements")
RAW = {"GET", "POST", "FILES", "query_params", "data"}


def _view_modules() -> list[Path]:
    paths = []
    for app in APPS:
        paths += [
            ROOT / app / "views.py",
            ROOT / app / "api.py",
            *(ROOT / app / "views").glob("*.py"),
        ]
    return [path for path in paths if path.exists()]


def _is_request(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "request") or (
        isinstance(node, ast.Attribute) and node.attr == "request"
    )


def _handed_to_a_call(node: ast.AST, parents: dict) -> bool:
    child, parent = node, parents.get(node)
    # `Form(request.GET or None)` and `Form(a if b else request.GET)` hand it over too.
    while isinstance(parent, ast.BoolOp) or (
        isinstance(parent, ast.IfExp) and child is not parent.test
    ):
        child, parent = parent, parents.get(parent)
    if isinstance(parent, ast.keyword):
        child, parent = parent, parents.get(parent)
    return isinstance(parent, ast.Call) and child is not parent.func


def _raw_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(parents.get(node, node))}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in RAW
        and _is_request(node.value)
        and not _handed_to_a_call(node, parents)
    ]


def test_the_sweep_reads_every_view_module():
    names = {str(path.relative_to(ROOT)) for path in _view_modules()}
    assert {"agreements/views/signing.py", "agreements/api.py", "events/views/events.py"} <= names


def test_no_view_reads_the_request_without_a_form_or_serializer():
    offenders = [line for path in _view_modules() for line in _raw_reads(path)]
    assert not offenders, "\n".join(offenders)


def test_the_sweep_catches_a_raw_read():
    source = (
        "def post(self, request):\n"
        "    ids = [int(pk) for pk in request.POST.getlist('organisation') if pk.isdigit()]\n"
        "    form = Form(request.POST)\n"
        "    other = Form(data=self.request.GET or None)\n"
    )
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    flagged = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in RAW
        and _is_request(node.value)
        and not _handed_to_a_call(node, parents)
    ]
    assert flagged == [2]
