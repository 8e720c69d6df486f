import logging

from peerlab.local import seed


def test_seed_without_steps_says_so(monkeypatch, caplog):
    monkeypatch.setattr(seed, "_STEPS", [])
    with caplog.at_level(logging.WARNING, logger="peerlab.local.seed"):
        assert seed.seed_course({"review": "http://127.0.0.1:1"}, "tok") == []
    assert "no seed steps registered" in caplog.text


def test_registered_steps_run_in_order_with_urls_and_token(monkeypatch):
    monkeypatch.setattr(seed, "_STEPS", [])
    calls = []

    @seed.seed_step
    def first(urls, token):
        calls.append(("first", urls["review"], token))

    @seed.seed_step
    def second(urls, token):
        calls.append(("second", urls["review"], token))

    assert seed.seed_course({"review": "http://r"}, "tok") == ["first", "second"]
    assert calls == [("first", "http://r", "tok"), ("second", "http://r", "tok")]
