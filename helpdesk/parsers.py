"""The API's JSON parser: DRF's, with deeply nested JSON refused as a parse
error (400). Python's decoder raises RecursionError on it, which DRF's parser
lets through as a 500."""

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
