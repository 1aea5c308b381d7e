/** An amount (at most two decimals, as the contracts require) in integer cents: sums stay exact. */
export function toCents(amount: number): bigint {
  return BigInt(Math.round(amount * 100));
}

/** Cents as a decimal string PostgreSQL reads as numeric: 123456n → "1234.56". */
export function centsText(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}
