"""wealthlib._gc.fewer_collections: the collector's thresholds raised for a bulk read, and given back."""

import gc

import pytest

from wealthlib._gc import BULK_THRESHOLDS, fewer_collections


@pytest.fixture
def thresholds():
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_raised_inside_and_given_back(thresholds):
    gc.set_threshold(700, 10, 10)  # CPython's defaults
    with fewer_collections():
        assert gc.get_threshold() == (200_000, 30, 30)
    assert gc.get_threshold() == (700, 10, 10)


def test_never_lowers_a_higher_setting(thresholds):
    gc.set_threshold(500_000, 5, 100)
    with fewer_collections():
        assert gc.get_threshold() == (500_000, 30, 100)
    assert gc.get_threshold() == (500_000, 5, 100)


def test_a_collector_switched_off_stays_off(thresholds):
    gc.set_threshold(0)
    with fewer_collections():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0


def test_as_a_decorator_given_back_after_an_error(thresholds):
    gc.set_threshold(700, 10, 10)
    seen = []

    @fewer_collections()
    def read():
        seen.append(gc.get_threshold())
        raise ValueError("a bad file")

    with pytest.raises(ValueError):
        read()
    assert seen == [BULK_THRESHOLDS]
    assert gc.get_threshold() == (700, 10, 10)


def test_the_book_readers_run_with_fewer_collections(thresholds, params_copy, monkeypatch):
    """Reading a clients folder parses each file inside the block: the thresholds seen while a client file is
    read are the bulk ones, and the defaults are back afterwards."""
    import wealthlib.clients as clients

    gc.set_threshold(700, 10, 10)
    seen = []
    real = clients.load_yaml

    def spy(*args, **kwargs):
        seen.append(gc.get_threshold())
        return real(*args, **kwargs)

    monkeypatch.setattr(clients, "load_yaml", spy)
    loaded, errors = clients.load_clients(params_copy / "clients")
    assert loaded and not errors
    assert len(seen) == len(loaded) and set(seen) == {BULK_THRESHOLDS}
    assert gc.get_threshold() == (700, 10, 10)


def test_a_pdf_is_printed_with_fewer_collections(thresholds, monkeypatch):
    """WeasyPrint's millions of short-lived objects a document made the collector's full passes ~0.1 s of a
    review's PDF: the print runs at the bulk thresholds, and the process's own come back after it."""
    import weasyprint

    from wealthlib import render

    seen = []
    monkeypatch.setattr(weasyprint.HTML, "write_pdf", lambda self, **kw: seen.append(gc.get_threshold()) or b"%PDF")
    gc.set_threshold(700, 10, 10)
    assert render._pdf_bytes("<html><body><p>x</p></body></html>") == b"%PDF"
    assert seen == [BULK_THRESHOLDS]
    assert gc.get_threshold() == (700, 10, 10)
