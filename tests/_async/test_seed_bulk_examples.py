"""The seed page's ``ainsert()`` and ``afind()`` examples, run as written.

The example models (``User``, ``Product``, ``Order``) are the compatible classes of
``tests/models.py``: a second class with the same prefix would clash in the registry.
"""

from __future__ import annotations

import rapyer
from rapyer.errors import KeyNotFound, RapyerModelDoesntExistError
from tests.models import Order, Product, User


async def test_seed_global_insert_example(redis_backend, capsys):
    # Create instances of different model types
    user = User(name="Alice", age=30, email="alice@example.com")
    product1 = Product(name="Laptop", price=999.99, in_stock=True)
    product2 = Product(name="Mouse", price=29.99, in_stock=True)
    order = Order(user_id=user.key, product_id=product1.key, quantity=1)

    # Insert all models in a single transaction
    await rapyer.ainsert(user, product1, product2, order)
    print("All models inserted atomically")

    # Verify all models were saved
    saved_user = await User.aget(user.key)
    saved_product1 = await Product.aget(product1.key)
    saved_order = await Order.aget(order.key)

    print(f"User: {saved_user.name}")
    print(f"Product: {saved_product1.name}")
    print(f"Order quantity: {saved_order.quantity}")

    assert capsys.readouterr().out.splitlines() == [
        "All models inserted atomically",
        "User: Alice",
        "Product: Laptop",
        "Order quantity: 1",
    ]
    assert await Product.aget(product2.key) == product2


async def test_seed_insert_comparison_example(redis_backend):
    users = [User(name=f"User{i}", age=20 + i, email=f"user{i}@example.com") for i in range(3)]
    products = [Product(name=f"Product{i}", price=10.0 * i, in_stock=True) for i in range(3)]

    # Less efficient: Multiple transactions
    await User.ainsert(*users)
    await Product.ainsert(*products)

    # More efficient: Single transaction for all models
    await rapyer.ainsert(*users, *products)

    assert sorted(u.name for u in await User.afind()) == ["User0", "User1", "User2"]
    assert sorted(p.price for p in await Product.afind()) == [0.0, 10.0, 20.0]


async def test_seed_global_find_example(redis_backend, capsys):
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

    assert capsys.readouterr().out.splitlines() == [
        "Retrieved 3 models:",
        f"  - User: {user.key}",
        f"  - Order: {order.key}",
        f"  - Product: {product.key}",
        "User: Alice",
        "Order total: $150.0",
        "Product: Laptop",
    ]


async def safe_fetch():
    try:
        models = await rapyer.afind("User:123", "Order:456")
    except KeyNotFound as e:
        print(f"Key not found: {e}")
    except RapyerModelDoesntExistError as e:
        print(f"Unknown model type: {e}")
    else:
        return models


async def safe_fetch_unknown():
    try:
        models = await rapyer.afind("User:123", "Invoice:456")
    except KeyNotFound as e:
        print(f"Key not found: {e}")
    except RapyerModelDoesntExistError as e:
        print(f"Unknown model type: {e}")
    else:
        return models


async def test_seed_find_error_handling_example(redis_backend, capsys):
    assert await safe_fetch() is None
    assert capsys.readouterr().out == "Key not found: User:123 is missing in redis\n"
    assert await safe_fetch_unknown() is None
    out = capsys.readouterr().out
    assert out.startswith("Unknown model type: ") and "Invoice" in out


async def test_seed_class_find_example(redis_backend):
    users = [User(name=f"u{i}") for i in range(3)]
    await User.ainsert(*users)
    await Product(name="not a user", price=1.0).asave()
    # No arguments: every instance of the model
    assert sorted(u.key for u in await User.afind()) == sorted(u.key for u in users)
    # Keys (full or bare pks): exactly those, in order
    assert await User.afind(users[2].key, users[0].pk) == [users[2], users[0]]
