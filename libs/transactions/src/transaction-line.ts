/**
 * The lecture's consumer line, `[offset=N] TX5001: 1250.00 PLN (Warsaw)`, with the partition in front
 * since offsets only count within one. A value that is not a transaction is shown as it is.
 */
export function formatTransactionLine(partition: number, offset: string, value: unknown): string {
  const where = `[partition=${partition} offset=${offset}]`;
  if (typeof value === 'object' && value !== null && 'id' in value && 'amount' in value && 'store' in value) {
    const { id, amount, store } = value;
    const currency = 'currency' in value && typeof value.currency === 'string' ? value.currency : 'PLN';
    const shown = typeof amount === 'number' ? amount.toFixed(2) : String(amount);
    return `${where} ${String(id)}: ${shown} ${currency} (${String(store)})`;
  }
  return `${where} ${JSON.stringify(value)}`;
}
