from django.apps import AppConfig
from django.conf import settings

import rapyer


class BookmarksConfig(AppConfig):
    name = "bookmarks"

    def ready(self) -> None:
        # Once per process. Optional: without it rapyer uses $REDIS_URL, then localhost.
        rapyer.init_rapyer_sync(redis=settings.RAPYER_REDIS_URL)
