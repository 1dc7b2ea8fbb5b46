"""The package's public names resolve and are listed in order."""

import l2c_core


def test_exports_every_public_name_resolves() -> None:
    for name in l2c_core.__all__:
        assert getattr(l2c_core, name) is not None, name


def test_exports_are_sorted() -> None:
    assert l2c_core.__all__ == sorted(l2c_core.__all__)
