"""Path converters for the URLs."""


class IdConverter:
    """A database id: up to 18 digits, which any 64-bit integer column holds.
    Django's ``int`` takes any length, and an id past 2**63 overflowed the query
    it went into (a 500 the API fuzzing found); such a path now matches no URL
    (404), like any id that does not exist."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
