"""The seed page's afind() error-handling snippet (unchanged, between the markers), with the
imports, models and entry point it needs to run on its own."""

import asyncio

import rapyer
from rapyer import AtomicRedisModel


class User(AtomicRedisModel):
    name: str


class Order(AtomicRedisModel):
    user_id: str
    total: float


# ---- the seed snippet ----
from rapyer.errors import KeyNotFound, RapyerModelDoesntExistError


async def safe_fetch():
  try:
    models = await rapyer.afind("User:123", "Order:456")
  except KeyNotFound as e:
    print(f"Key not found: {e}")
  except RapyerModelDoesntExistError as e:
    print(f"Unknown model type: {e}")
# ---- end of the seed snippet ----


if __name__ == "__main__":
    asyncio.run(safe_fetch())
