"""Products and the inventory that holds them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Product:
    sku: str
    name: str
    price_cents: int
    quantity: int = 0

    def value_cents(self) -> int:
        """What the units in stock are worth."""
        return self.price_cents * self.quantity

    def restock(self, amount: int) -> None:
        """Add ``amount`` units to the stock."""
        if amount <= 0:
            raise ValueError(f"restock amount must be positive, got {amount}")
        self.quantity += amount


@dataclass
class Inventory:
    products: dict[str, Product] = field(default_factory=dict)

    def add(self, product: Product) -> None:
        self.products[product.sku] = product

    def find(self, sku: str) -> Product | None:
        return self.products.get(sku)

    def low_stock(self, threshold: int) -> list[Product]:
        """The products with fewer than ``threshold`` units, fewest first."""
        return sorted((p for p in self.products.values() if p.quantity < threshold), key=lambda p: p.quantity)
