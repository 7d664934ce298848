"""The blocking twin of the seed page's alock_from_key() example."""

import rapyer
from rapyer import AtomicRedisModel, lock_from_key


class User(AtomicRedisModel):
    name: str
    balance: int = 0


class Product(AtomicRedisModel):
    name: str
    stock: int = 0


def generic_update(key: str, operation: str):
    # Works with any model type
    with lock_from_key(key, operation, save_at_end=True) as model:
        if model is None:
            print(f"Key not found: {key}")
            return

        # Check what type of model we're working with
        if hasattr(model, 'balance'):
            model.balance += 100
            print(f"Updated balance for {model.name}")
        elif hasattr(model, 'stock'):
            model.stock -= 1
            print(f"Reduced stock for {model.name}")
        # Model is automatically saved when context exits due to save_at_end=True


def cross_model_transaction(user_key: str, product_key: str):
    # Lock multiple models of different types
    with lock_from_key(user_key, "purchase") as user:
        with lock_from_key(product_key, "purchase") as product:
            if not user or not product:
                raise ValueError("User or product not found")

            # Both models are locked and can be modified atomically
            if user.balance >= 50 and product.stock > 0:
                user.balance -= 50
                product.stock -= 1
                print(f"{user.name} purchased {product.name}")
            else:
                print("Insufficient balance or out of stock")
            # Changes are saved when contexts exit


def main():
    # Create and save models
    user = User(name="Alice", balance=100)
    product = Product(name="Book", stock=10)
    user.save()
    product.save()

    # Use generic update function with different model types
    generic_update(user.key, "credit")
    generic_update(product.key, "restock")

    # Perform cross-model transaction
    cross_model_transaction(user.key, product.key)

    # Try with non-existent key
    generic_update("NonExistentModel:12345", "test")


if __name__ == "__main__":
    main()
