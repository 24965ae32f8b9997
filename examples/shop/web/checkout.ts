// Checkout: the cursor in `checkoutTotal` needs Cart's methods, which are defined in cart.ts.
import { Cart } from "./cart";

export function formatCents(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}

export function checkoutTotal(cart: Cart, shippingCents: number): string {
  const total = 
  return formatCents(total);
}
