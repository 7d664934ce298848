# GENERATED from tests/_async/test_seed_bulk_examples.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""The seed page's ``ainsert()`` and ``afind()`` examples, run as written.

The example models (``User``, ``Product``, ``Order``) are the compatible classes of
``tests/models.py``: a second class with the same prefix would clash in the registry.
"""

from __future__ import annotations

import rapyer
from rapyer.errors import KeyNotFound, RapyerModelDoesntExistError
from tests.models import Order, Product, User


def test_seed_global_insert_example(redis_backend, capsys):
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

    assert capsys.readouterr().out.splitlines() == [
        "All models inserted atomically",
        "User: Alice",
        "Product: Laptop",
        "Order quantity: 1",
    ]
    assert Product.get(product2.key) == product2


def test_seed_insert_comparison_example(redis_backend):
    users = [User(name=f"User{i}", age=20 + i, email=f"user{i}@example.com") for i in range(3)]
    products = [Product(name=f"Product{i}", price=10.0 * i, in_stock=True) for i in range(3)]

    # Less efficient: Multiple transactions
    User.insert(*users)
    Product.insert(*products)

    # More efficient: Single transaction for all models
    rapyer.insert(*users, *products)

    assert sorted(u.name for u in User.find()) == ["User0", "User1", "User2"]
    assert sorted(p.price for p in Product.find()) == [0.0, 10.0, 20.0]


def test_seed_global_find_example(redis_backend, capsys):
    # Create and save models of different types
    user = User(name="Alice", email="alice@example.com")
    order = Order(user_id=user.key, total=150.00)
    product = Product(name="Laptop", price=999.99)

    rapyer.insert(user, order, product)

    # Retrieve multiple models of different types in one call
    models = rapyer.find(user.key, order.key, product.key)

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


def safe_fetch():
    try:
        models = rapyer.find("User:123", "Order:456")
    except KeyNotFound as e:
        print(f"Key not found: {e}")
    except RapyerModelDoesntExistError as e:
        print(f"Unknown model type: {e}")
    else:
        return models


def safe_fetch_unknown():
    try:
        models = rapyer.find("User:123", "Invoice:456")
    except KeyNotFound as e:
        print(f"Key not found: {e}")
    except RapyerModelDoesntExistError as e:
        print(f"Unknown model type: {e}")
    else:
        return models


def test_seed_find_error_handling_example(redis_backend, capsys):
    assert safe_fetch() is None
    assert capsys.readouterr().out == "Key not found: User:123 is missing in redis\n"
    assert safe_fetch_unknown() is None
    out = capsys.readouterr().out
    assert out.startswith("Unknown model type: ") and "Invoice" in out


def test_seed_class_find_example(redis_backend):
    users = [User(name=f"u{i}") for i in range(3)]
    User.insert(*users)
    Product(name="not a user", price=1.0).save()
    # No arguments: every instance of the model
    assert sorted(u.key for u in User.find()) == sorted(u.key for u in users)
    # Keys (full or bare pks): exactly those, in order
    assert User.find(users[2].key, users[0].pk) == [users[2], users[0]]
