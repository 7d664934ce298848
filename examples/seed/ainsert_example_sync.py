"""The blocking twin of the seed page's ainsert() example."""

import rapyer
from rapyer import AtomicRedisModel


class User(AtomicRedisModel):
    name: str
    age: int
    email: str


class Product(AtomicRedisModel):
    name: str
    price: float
    in_stock: bool


class Order(AtomicRedisModel):
    user_id: str
    product_id: str
    quantity: int


def main():
    # Create instances of different model types
    user = User(name="Alice", age=30, email="alice@example.com")
    product1 = Product(name="Laptop", price=999.99, in_stock=True)
    product2 = Product(name="Mouse", price=29.99, in_stock=True)
    order = Order(user_id=user.key, product_id=product1.key, quantity=1)

    # Insert all models in a single transaction
    rapyer.insert(user, product1, product2, order)
    print("All models inserted atomically")

    # Verify all models were saved
    saved_user = User.get(user.key)
    saved_product1 = Product.get(product1.key)
    saved_order = Order.get(order.key)

    print(f"User: {saved_user.name}")
    print(f"Product: {saved_product1.name}")
    print(f"Order quantity: {saved_order.quantity}")


if __name__ == "__main__":
    main()

