"""The blocking twin of the seed page's afind() error-handling snippet."""

import rapyer
from rapyer import AtomicRedisModel


class User(AtomicRedisModel):
    name: str


class Order(AtomicRedisModel):
    user_id: str
    total: float


# ---- the seed snippet ----
from rapyer.errors import KeyNotFound, RapyerModelDoesntExistError


def safe_fetch():
  try:
    models = rapyer.find("User:123", "Order:456")
  except KeyNotFound as e:
    print(f"Key not found: {e}")
  except RapyerModelDoesntExistError as e:
    print(f"Unknown model type: {e}")
# ---- end of the seed snippet ----


if __name__ == "__main__":
    safe_fetch()
