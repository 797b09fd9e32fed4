/**
 * The contract's money grammar and its one parser (event contract, "Money"): a JSON number with at
 * most 2 decimal places AS WRITTEN, no exponent (`59.9`, `59.90`, `60`; not `59.901`, `1e-9`,
 * `0.30000000000000004`). The value is kept as exact integer cents; bounds are checked by the
 * schema on the same value.
 */

/** Why a number's text is not money, or undefined when it is. `text` is the number exactly as written in the JSON. */
export function moneyTextProblem(text: string): string | undefined {
  if (/[eE]/.test(text)) return `${text} is written with an exponent; money is written as plain decimals`;
  const dot = text.indexOf('.');
  if (dot >= 0 && text.length - dot - 1 > 2) return `${text} has more than 2 decimal places`;
  return undefined;
}

/**
 * Exact cents of a money value whose text passed moneyTextProblem: a number written with at most
 * 2 decimals, times 100, is within far less than half a cent of an integer (values up to 10^7).
 */
export const moneyCents = (value: number) => Math.round(value * 100);

/** Cents as an exact decimal string with 2 places (NUMERIC's form): 5990 -> '59.90', -7 -> '-0.07'. */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const units = Math.floor(abs / 100);
  const rest = abs - units * 100;
  return `${sign}${units}.${rest < 10 ? '0' : ''}${rest}`;
}
