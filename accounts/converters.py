class TokenConverter:
    """URL-safe random tokens only: anything else (a NUL byte, a slash) is simply a 404."""

    regex = r"[A-Za-z0-9_-]{16,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
