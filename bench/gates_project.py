"""A deterministic, generated-looking Python project of about 2,000 lines, for bench/gates.py.

The shape is what the pipeline produces: one package of small modules (records, parsers
with if/elif dispatch, loops, a YAML loader and an HTTP client on third-party libraries),
a pytest file per module, and a pinned requirements list. The same seed gives the same
bytes, so timings from different runs measure the same input.

    .venv/bin/python bench/gates_project.py OUT_DIR   # write it to disk to look at
"""

import random
import sys
from pathlib import Path

PACKAGE = "inventory"
MODULES = 18
REQUIREMENTS = ["PyYAML==6.0.1", "requests==2.31.0", "Jinja2==3.1.4"]
SEED = 20261126


def _module(index: int, rng: random.Random) -> str:
    kinds = rng.randint(6, 14)
    name = f"item{index}"
    branches = "".join(
        f"    {'if' if k == 0 else 'elif'} kind == {k!r}:\n"
        f"        total += quantity * {rng.randint(2, 9)}\n"
        for k in range(kinds)
    )
    fields = "".join(f"    field_{f}: int = {rng.randint(0, 99)}\n" for f in range(6))
    return f'''"""Records and rules for {name} (generated)."""

from dataclasses import dataclass, field


@dataclass
class {name.title()}:
    """One {name} line of an order."""

    sku: str
    quantity: int = 1
    tags: list[str] = field(default_factory=list)
{fields}
    def weight(self) -> int:
        """Sum of the numeric fields, times the quantity."""
        return self.quantity * sum(
            getattr(self, f"field_{{i}}") for i in range(6)
        )


def price(kind: int, quantity: int) -> int:
    """Price of ``quantity`` units of ``kind``."""
    total = 0
{branches}    else:
        raise ValueError(f"unknown kind {{kind}}")
    return total


def normalise(skus: list[str]) -> list[str]:
    """Upper-case, strip and de-duplicate SKUs, keeping their order."""
    seen: set[str] = set()
    out = []
    for sku in skus:
        clean = sku.strip().upper()
        if not clean or clean in seen:
            continue
        seen.add(clean)
        out.append(clean)
    return out


def summarise(items: list[{name.title()}]) -> dict[str, int]:
    """Count, total quantity and heaviest weight of ``items``."""
    if not items:
        return {{"count": 0, "quantity": 0, "heaviest": 0}}
    heaviest = 0
    quantity = 0
    for item in items:
        quantity += item.quantity
        heaviest = max(heaviest, item.weight())
    return {{"count": len(items), "quantity": quantity, "heaviest": heaviest}}


def bucket(values: list[int], size: int = {rng.randint(3, 7)}) -> list[list[int]]:
    """``values`` split into lists of at most ``size``."""
    if size < 1:
        raise ValueError("size must be positive")
    return [values[i : i + size] for i in range(0, len(values), size)]
'''


def _module_test(index: int) -> str:
    name = f"item{index}"
    return f"""import pytest

from {PACKAGE}.{name} import {name.title()}, bucket, normalise, price, summarise


def test_price_of_the_first_kind():
    assert price(0, 1) > 0


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        price(999, 1)


def test_normalise_removes_blanks_and_duplicates():
    assert normalise([" a1 ", "A1", "", "b2"]) == ["A1", "B2"]


def test_summarise_counts_quantities():
    items = [{name.title()}(sku="a", quantity=2), {name.title()}(sku="b", quantity=3)]
    assert summarise(items)["quantity"] == 5
    assert summarise([])["count"] == 0


def test_bucket_splits_evenly():
    assert sum(len(b) for b in bucket(list(range(10)))) == 10
"""


FORMATS = '''"""Reading and writing catalogues as YAML, rendering them as text."""

import jinja2
import yaml

TEMPLATE = jinja2.Template("{% for sku in skus %}{{ sku }}\\n{% endfor %}")


def load_catalogue(text: str) -> dict[str, int]:
    """SKU -> stock from a YAML mapping; refuses anything else."""
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError("a catalogue is a mapping of SKU to stock")
    return {str(k): int(v) for k, v in data.items()}


def dump_catalogue(stock: dict[str, int]) -> str:
    return yaml.safe_dump(dict(sorted(stock.items())))


def render(skus: list[str]) -> str:
    return TEMPLATE.render(skus=skus)
'''

CLIENT = '''"""A small client for the stock service."""

import requests

TIMEOUT_S = 5


class StockClient:
    """Reads stock levels from the stock service at ``base_url``."""

    def __init__(self, base_url: str, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()

    def url(self, sku: str) -> str:
        return f"{self.base_url}/stock/{sku}"

    def level(self, sku: str) -> int:
        response = self.session.get(self.url(sku), timeout=TIMEOUT_S)
        response.raise_for_status()
        return int(response.json()["level"])
'''

SUPPORT_TESTS = f"""from {PACKAGE}.client import StockClient
from {PACKAGE}.formats import dump_catalogue, load_catalogue, render


def test_catalogue_round_trips():
    assert load_catalogue(dump_catalogue({{"b": 2, "a": 1}})) == {{"a": 1, "b": 2}}


def test_render_lists_skus():
    assert render(["A", "B"]) == "A\\nB\\n"


def test_client_builds_urls():
    assert StockClient("http://stock/").url("A1") == "http://stock/stock/A1"
"""


def project_files() -> dict[str, str]:
    """Relative path -> content of the whole project (sources, tests, requirements)."""
    rng = random.Random(SEED)
    files = {f"{PACKAGE}/__init__.py": '"""Inventory rules (generated)."""\n'}
    for i in range(MODULES):
        files[f"{PACKAGE}/item{i}.py"] = _module(i, rng)
        files[f"tests/test_item{i}.py"] = _module_test(i)
    files[f"{PACKAGE}/formats.py"] = FORMATS
    files[f"{PACKAGE}/client.py"] = CLIENT
    files["tests/test_support.py"] = SUPPORT_TESTS
    files["requirements.txt"] = "".join(r + "\n" for r in REQUIREMENTS)
    return files


def line_count() -> int:
    return sum(text.count("\n") for text in project_files().values())


def write(root: Path) -> None:
    for path, text in project_files().items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: gates_project.py OUT_DIR")
    write(Path(sys.argv[1]))
    print(f"wrote {len(project_files())} files, {line_count()} lines to {sys.argv[1]}")
