"""Scale and speed measurements, run on demand by `make bench`, never by the tests."""
