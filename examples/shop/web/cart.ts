// The shopping cart of the shop's web front: the TypeScript half of the aix-lsp example project.

export interface LineItem {
  sku: string;
  quantity: number;
  priceCents: number;
}

export class Cart {
  private items: Map<string, LineItem> = new Map();

  addItem(sku: string, quantity: number, priceCents: number): void {
    const current = this.items.get(sku);
    const already = current ? current.quantity : 0;
    this.items.set(sku, { sku, quantity: already + quantity, priceCents });
  }

  removeItem(sku: string): boolean {
    return this.items.delete(sku);
  }

  totalCents(): number {
    let total = 0;
    for (const item of this.items.values()) {
      total += item.quantity * item.priceCents;
    }
    return total;
  }
}
