"""AccessPolicy: loopback by default, a token for anything else, Host and action checks."""

from __future__ import annotations

from explorer.dashboard.security import ACTION_HEADER, AccessPolicy, is_loopback


def test_only_loopback_goes_without_a_token() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("192.168.1.5") and not is_loopback("0.0.0.0")
    assert AccessPolicy.for_bind("127.0.0.1", 8050).token is None
    lan = AccessPolicy.for_bind("0.0.0.0", 8050)
    assert lan.token and len(lan.token) >= 24
    assert AccessPolicy.for_bind("0.0.0.0", 8050).token != lan.token  # fresh each start


def test_token_is_checked_from_query_header_or_cookie() -> None:
    p = AccessPolicy("10.0.0.2", 8050, "s3cret")
    assert p.token_ok("s3cret", None, None) and p.token_ok(None, "s3cret", None)
    assert p.token_ok(None, None, "s3cret")
    assert not p.token_ok(None, None, None) and not p.token_ok("guess", None, None)
    assert AccessPolicy("127.0.0.1", 1, None).token_ok(None, None, None)


def test_host_header_must_name_the_served_address() -> None:
    p = AccessPolicy("127.0.0.1", 8050, None)
    assert p.host_problem("127.0.0.1:8050") is None and p.host_problem("localhost:8050") is None
    assert p.host_problem("attacker.example:8050")  # a rebound DNS name


def test_actions_need_the_page_header_json_and_same_origin() -> None:
    p = AccessPolicy("127.0.0.1", 8050, None)
    good = {ACTION_HEADER: "1", "content-type": "application/json"}
    assert p.action_problem(good) is None
    assert p.action_problem({**good, "origin": "http://127.0.0.1:8050"}) is None
    assert p.action_problem({"content-type": "application/json"})
    assert p.action_problem({**good, "content-type": "application/x-www-form-urlencoded"})
    assert p.action_problem({**good, "origin": "http://evil.example"})
