class TwoDigitConverter:
    """Zero-padded month or day in story addresses: /news/2026/03/09/…"""

    regex = "[0-9]{2}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{int(value):02d}"
