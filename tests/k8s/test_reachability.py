"""The who-can-reach-what table in deploy/README.md is what the NetworkPolicies say."""

from tests.k8s.reach import markdown, reach_rows, readme_rows


def test_readme_table_matches_the_network_policies() -> None:
    derived, documented = reach_rows(), readme_rows()
    assert documented == derived, (
        f"deploy/README.md is out of date; the policies give:\n{markdown(derived)}"
    )


def test_every_policy_direction_is_in_the_table() -> None:
    rows = reach_rows()
    assert (
        "quantumlayer-sandbox",
        "quantumlayer.dev/sandbox=true",
        "egress",
        "nobody",
        "-",
    ) in rows
    assert ("quantumlayer", "all pods", "ingress", "nobody", "-") in rows
    minio = [r for r in rows if r[1] == "app.kubernetes.io/name=minio"]
    assert minio == [
        (
            "quantumlayer",
            "app.kubernetes.io/name=minio",
            "ingress",
            "pods quantumlayer.dev/minio-client=true",
            "TCP 9000",
        )
    ]
