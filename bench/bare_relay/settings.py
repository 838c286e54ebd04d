"""Settings for the bare relay: only a channel layer, chosen as Parley chooses it
(helpdesk/settings.py): in memory by default, Redis pub/sub when REDIS_URL is set."""

import os

SECRET_KEY = "bare-relay-has-no-secrets"  # noqa: S105 - signs nothing
INSTALLED_APPS = ["channels"]
REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": os.environ.get("PARLEY_REDIS_PREFIX", "bare-relay"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
