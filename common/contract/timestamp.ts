/**
 * The contract's one timestamp grammar and its one parser (event contract, "Timestamps"):
 * `YYYY-MM-DDTHH:MM:SS[.fraction]` then `Z` or `+hh:mm` / `-hh:mm` (RFC 3339; `T` and `Z` in
 * either case, as RFC 3339 allows), fraction of 1-9 digits of which microseconds are kept (the
 * rest truncated), no leap second, and the instant within 2000-01-01T00:00:00Z ..
 * 2099-12-31T23:59:59Z. The validator's format check and its conversion both call this, so what is
 * accepted is exactly what is converted, and nothing later parses the text again.
 */

/** Epoch microseconds of 2000-01-01T00:00:00Z and 2099-12-31T23:59:59Z, the accepted range. */
export const EARLIEST_MICROS = 946_684_800_000_000;
export const LATEST_MICROS = 4_102_444_799_000_000;

/** Why a text is not a contract timestamp (only made on failure). */
export class TimestampError {
  constructor(readonly message: string) {}
}

const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const ZERO = 48;
const SHAPE = 'not an RFC 3339 timestamp with a Z or ±hh:mm offset (YYYY-MM-DDTHH:MM:SS[.fraction]Z)';

/** The number in `count` ASCII digits at `at`, or -1. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (!(digit >= 0 && digit <= 9)) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/**
 * Parses a contract timestamp to epoch microseconds (a safe integer in the accepted range), or
 * says why it is not one. Reads the text in place; allocates only the error.
 */
export function parseTimestampMicros(text: string): number | TimestampError {
  const { length } = text;
  if (length < 20 || length > 35) return new TimestampError(SHAPE);
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const t = text.charCodeAt(10);
  if (
    year < 0 ||
    month < 0 ||
    day < 0 ||
    hour < 0 ||
    minute < 0 ||
    second < 0 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    (t !== 84 && t !== 116) ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  )
    return new TimestampError(SHAPE);
  let at = 19;
  let micros = 0;
  if (text.charCodeAt(at) === 46) {
    let count = 0;
    for (at += 1; at < length; at++, count++) {
      const digit = text.charCodeAt(at) - ZERO;
      if (!(digit >= 0 && digit <= 9)) break;
      if (count < 6) micros = micros * 10 + digit;
    }
    if (count === 0 || count > 9) return new TimestampError(`${SHAPE}: the fraction of a second has 1 to 9 digits`);
    for (let pad = count; pad < 6; pad++) micros *= 10;
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(at);
  if (zone === 90 || zone === 122) {
    at += 1;
  } else if (zone === 43 || zone === 45) {
    const offsetHour = digits(text, at + 1, 2);
    const offsetMinute = digits(text, at + 4, 2);
    if (offsetHour < 0 || offsetMinute < 0 || text.charCodeAt(at + 3) !== 58) return new TimestampError(`${SHAPE}: the offset must be written ±hh:mm`);
    if (offsetHour > 23 || offsetMinute > 59) return new TimestampError(`offset ${text.slice(at, at + 6)} is out of range`);
    offsetMinutes = (zone === 45 ? -1 : 1) * (offsetHour * 60 + offsetMinute);
    at += 6;
  } else {
    return new TimestampError(`${SHAPE}: the offset is missing`);
  }
  if (at !== length) return new TimestampError(SHAPE);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && leap ? 29 : DAYS[month]!)) return new TimestampError(`no such date: ${text.slice(0, 10)}`);
  if (hour > 23 || minute > 59 || second > 59) return new TimestampError(`no such time of day: ${text.slice(11, 19)}`);
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60;
  const total = seconds * 1_000_000 + micros;
  if (total < EARLIEST_MICROS || total > LATEST_MICROS) return new TimestampError('outside the accepted range 2000-01-01T00:00:00Z .. 2099-12-31T23:59:59Z');
  return total;
}

/** Whether `text` is a contract timestamp (the schema's `date-time` format). */
export const isTimestamp = (text: string) => typeof parseTimestampMicros(text) === 'number';

/** Epoch microseconds of a timestamp the validator accepted; throws on anything else (a bug upstream). */
export function timestampMicros(text: string): bigint {
  const parsed = parseTimestampMicros(text);
  if (typeof parsed !== 'number') throw new RangeError(`${JSON.stringify(text)}: ${parsed.message}`);
  return BigInt(parsed);
}
