import asyncio
import rapyer
from rapyer import AtomicRedisModel


class User(AtomicRedisModel):
    name: str
    email: str


class Order(AtomicRedisModel):
    user_id: str
    total: float


class Product(AtomicRedisModel):
    name: str
    price: float


async def main():
    # Create and save models of different types
    user = User(name="Alice", email="alice@example.com")
    order = Order(user_id=user.key, total=150.00)
    product = Product(name="Laptop", price=999.99)

    await rapyer.ainsert(user, order, product)

    # Retrieve multiple models of different types in one call
    models = await rapyer.afind(user.key, order.key, product.key)

    print(f"Retrieved {len(models)} models:")
    for model in models:
        print(f"  - {type(model).__name__}: {model.key}")

    # Models are returned in the same order as keys
    retrieved_user, retrieved_order, retrieved_product = models
    print(f"User: {retrieved_user.name}")
    print(f"Order total: ${retrieved_order.total}")
    print(f"Product: {retrieved_product.name}")


if __name__ == "__main__":
    asyncio.run(main())

