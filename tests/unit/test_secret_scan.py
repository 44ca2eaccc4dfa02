"""The hard-coded secrets detector: provider token formats anywhere, random-looking
literals assigned to secret-named variables, nothing else; secrets always masked."""

import pytest

from quantumlayer_dagster.analysis.secret_scan import looks_random, mask, redact, scan_secrets
from quantumlayer_dagster.artifacts.code import SourceFile

# Built from parts so this test file itself does not hold a scannable token.
TOKENS = {
    "aws-access-key-id": "AKIA" + "Z7QW3RTY5UIO9PLK",
    "github-token": "ghp_" + "R8d2kLq9ZxV4mN7bT1cW5yH3jF6gP0sA2eU8",
    "slack-token": "xoxb-" + "2048613357-4093265541-k3JzUq8WpLrT",
    "openai-api-key": "sk-" + "proj-" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
    "stripe-secret-key": "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "google-api-key": "AIza" + "SyD3xq9T-7ZkLmW2pQrS8vUyB4cN6hJ0aE1",
}
PRIVATE_KEY = (
    "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----\n"
)


def scan(content: str, path: str = "app/settings.py"):
    findings, _ = scan_secrets([SourceFile(path=path, content=content)])
    return findings


@pytest.mark.parametrize("rule_id", sorted(TOKENS))
def test_provider_token_is_found_at_its_line_and_masked(rule_id):
    token = TOKENS[rule_id]
    [finding] = scan(f'import os\n\nCLIENT = Client("{token}")\n')
    assert (finding.rule_id, finding.line, finding.severity, finding.cwe) == (
        rule_id,
        3,
        "HIGH",
        798,
    )
    assert finding.tool == "secrets"
    assert token not in finding.message and token not in finding.snippet
    assert token[:4] in finding.message


def test_private_key_block_is_found_in_any_text_file():
    [finding] = scan(f"key:\n{PRIVATE_KEY}", path="deploy/key.yaml")
    assert (finding.rule_id, finding.path, finding.line) == (
        "private-key-block",
        "deploy/key.yaml",
        2,
    )


def test_aws_secret_access_key_assignment_is_found():
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYz9Qm4Lk2Hs"
    [finding] = scan(f'aws_secret_access_key = "{secret}"\n')
    assert finding.rule_id == "aws-secret-access-key" and secret not in finding.snippet


def test_random_literal_assigned_to_a_secret_name_is_a_medium_finding():
    [finding] = scan(
        'DB_PASSWORD = "Tr0ub4dor&3xQ9zL"\nsettings = {"api_key": "9f8Kq2LmZ7xR4tW1"}\n'
    )[:1]
    assert (finding.rule_id, finding.severity, finding.line) == ("high-entropy-secret", "MEDIUM", 1)
    assert "`DB_PASSWORD`" in finding.message
    assert len(scan('settings = {"api_key": "9f8Kq2LmZ7xR4tW1"}\n')) == 1


@pytest.mark.parametrize(
    "line",
    [
        'token_type = "bearer"',
        'PASSWORD_ENV = "APP_DATABASE_PASSWORD"',
        'password = os.environ["PASSWORD"]',
        'password = "hunter2"',
        'api_key = "your-api-key-here"',
        'secret = "<replace-me-with-a-real-secret>"',
        'TOKEN_URL = "https://auth.example.com/oauth/token"',
        'password_file = "/etc/app/password.txt"',
        'aws_key = "AKIAIOSFODNN7EXAMPLE"',
        'if token == "expected-token-value":',
        'checksum = "9f8Kq2LmZ7xR4tW1aa"',
        '"output_token": "DistributionList.NextMarker2",',
        'next_token = "Content-Security-Policy"',
        'GRANT = {"client_credentials": "oauth2_client_credentials"}',
        'request_token = "1d2129a1-3d38-460a-9756-e5b91fddb951"',
        '"PasswordLastUsed": "2016-09-08T21:47:00Z",',
        "x = 1; " * 80 + 'api_key = "9f8Kq2LmZ7xR4tW1"',  # minified: one very long line
    ],
)
def test_ordinary_code_is_not_reported(line):
    assert scan(line + "\n") == []


def test_mask_keeps_four_characters_and_the_length():
    assert mask("ABCDEFGHIJKL") == "ABCD******** (12 chars)"
    assert mask("short") == "***** (5 chars)"
    assert "abcdefghijklmnopqrstuvwxyz0123456789"[4:] not in mask(
        "abcdefghijklmnopqrstuvwxyz0123456789"
    )


def test_redact_replaces_secrets_anywhere_in_a_json_like_value():
    token = TOKENS["github-token"]
    value = {"runs": [{"message": f"found '{token}'", "line": 3}]}
    redacted = redact(value, {token})
    assert token not in str(redacted) and redacted["runs"][0]["line"] == 3


def test_entropy_needs_length_and_mixed_characters():
    assert looks_random("q8Z!r2Lm9xKp")
    assert not looks_random("q8Zr2Lm9")  # too short
    assert not looks_random("aaaaaaaaaaaaaaaa1A")  # low entropy
    assert not looks_random("abcdefghijklmnop")  # one character class
