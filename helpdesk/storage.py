"""Static files for production (DEBUG off): compressed copies with hashed names,
served by WhiteNoise with far-future caching; and which files are static at all."""

from django.contrib.staticfiles import apps
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """The dashboard is plain ES modules: Django rewrites their ``import``
    statements to the hashed names too, so a browser never mixes a cached old
    module with a new one after a deploy."""

    support_js_module_import_aggregation = True


class StaticFilesConfig(apps.StaticFilesConfig):
    """collectstatic leaves the front end's tooling behind: npm's packages, the
    widget's sources and the unit tests are for building and testing, and only
    what they build is served (docs/architecture.md, "The widget")."""

    ignore_patterns = [
        *apps.StaticFilesConfig.ignore_patterns,
        "node_modules",
        "src",
        "tests",
        "package.json",
        "package-lock.json",
        "*.mjs",
    ]
