"""Who can reach what, read from the NetworkPolicies in deploy/: one row per policy and
direction, in the words of the table in deploy/README.md ("Security model")."""

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
README_START = "<!-- reach-table:start -->"
README_END = "<!-- reach-table:end -->"

Row = tuple[str, str, str, str, str]
"""(namespace, pods selected, direction, peers allowed, ports)."""


def policies() -> list[dict[str, Any]]:
    docs = yaml.safe_load_all((ROOT / "deploy" / "networkpolicies.yaml").read_text())
    return [d for d in docs if d and d["kind"] == "NetworkPolicy"]


def selector(sel: dict[str, Any] | None, everything: str = "all pods") -> str:
    if not sel:
        return everything
    parts = [f"{k}={v}" for k, v in sorted((sel.get("matchLabels") or {}).items())]
    for expr in sel.get("matchExpressions") or []:
        parts.append(f"{expr['key']} in ({', '.join(expr['values'])})")
    return ", ".join(parts)


def peer(entry: dict[str, Any]) -> str:
    if "ipBlock" in entry:
        block = entry["ipBlock"]
        excluded = block.get("except")
        return f"{block['cidr']} except {', '.join(excluded)}" if excluded else block["cidr"]
    pods = selector(entry.get("podSelector"))
    if "namespaceSelector" in entry:
        return f"namespace {selector(entry['namespaceSelector'], 'any')}; pods {pods}"
    return f"pods {pods}"


def ports(rule: dict[str, Any]) -> str:
    given = rule.get("ports")
    if not given:
        return "all"
    return ", ".join(f"{p.get('protocol', 'TCP')} {p['port']}" for p in given)


def reach_rows() -> set[Row]:
    rows: set[Row] = set()
    for policy in policies():
        namespace = policy["metadata"]["namespace"]
        pods = selector(policy["spec"]["podSelector"])
        for direction in policy["spec"]["policyTypes"]:
            key, side = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
            rules = policy["spec"].get(key) or []
            if not rules:
                rows.add((namespace, pods, key, "nobody", "-"))
            for rule in rules:
                peers = "; or ".join(peer(e) for e in rule.get(side) or []) or "anyone"
                rows.add((namespace, pods, key, peers, ports(rule)))
    return rows


def markdown(rows: set[Row]) -> str:
    lines = ["| namespace | pods | direction | peers allowed | ports |", "|---|---|---|---|---|"]
    lines += [
        f"| {' | '.join(f'`{c}`' if c not in ('-',) else c for c in row)} |" for row in sorted(rows)
    ]
    return "\n".join(lines)


def readme_rows() -> set[Row]:
    text = (ROOT / "deploy" / "README.md").read_text()
    table = text.split(README_START, 1)[1].split(README_END, 1)[0]
    rows: set[Row] = set()
    for line in table.strip().splitlines()[2:]:
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        rows.add(tuple(cells))  # type: ignore[arg-type]
    return rows


def selects(sel: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels, matchExpressions with In) selects ``labels``."""
    if any(labels.get(k) != v for k, v in (sel.get("matchLabels") or {}).items()):
        return False
    for expr in sel.get("matchExpressions") or []:
        if expr["operator"] != "In":
            raise ValueError(f"selector operator {expr['operator']} not supported here")
        if labels.get(expr["key"]) not in expr["values"]:
            return False
    return True


def _side_allows(
    direction: str, pod: dict[str, str], peer_labels: dict[str, str], port: int, namespace: str
) -> bool:
    """Whether the policies selecting ``pod`` allow traffic to (egress) or from (ingress) a pod
    labelled ``peer_labels`` in the same namespace on TCP ``port``."""
    policy_type, key, side = (
        ("Egress", "egress", "to") if direction == "egress" else ("Ingress", "ingress", "from")
    )
    selecting = [
        p
        for p in policies()
        if p["metadata"]["namespace"] == namespace
        and policy_type in p["spec"]["policyTypes"]
        and selects(p["spec"]["podSelector"], pod)
    ]
    if not selecting:
        return True  # no policy isolates this pod in this direction
    for policy in selecting:
        for rule in policy["spec"].get(key) or []:
            peers = rule.get(side) or []
            port_ok = not rule.get("ports") or any(
                p.get("protocol", "TCP") == "TCP" and p["port"] == port for p in rule["ports"]
            )
            same_ns_peer = any(
                "podSelector" in e
                and "namespaceSelector" not in e
                and selects(e["podSelector"], peer_labels)
                for e in peers
            )
            if port_ok and (not peers or same_ns_peer):
                return True
    return False


def pod_may_reach(
    source: dict[str, str], target: dict[str, str], port: int, namespace: str = "quantumlayer"
) -> bool:
    """Whether the NetworkPolicies let a pod labelled ``source`` open a TCP connection to a pod
    labelled ``target`` on ``port``, both in ``namespace``: its egress and the target's ingress
    must both allow it."""
    return _side_allows("egress", source, target, port, namespace) and _side_allows(
        "ingress", target, source, port, namespace
    )
