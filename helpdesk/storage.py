"""Static files for production (DEBUG off): compressed copies with hashed names,
served by WhiteNoise with far-future caching."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """The dashboard is plain ES modules: Django rewrites their ``import``
    statements to the hashed names too, so a browser never mixes a cached old
    module with a new one after a deploy."""

    support_js_module_import_aggregation = True
