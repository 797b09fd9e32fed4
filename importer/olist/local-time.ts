import { Temporal } from 'temporal-polyfill';
import { UsageError } from '../../common/errors.ts';

/** Olist's form (`2017-10-02 10:56:33`), also with a `T`, a fraction and an offset. */
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2}:\d{2}(?:\.\d{1,9})?)(Z|[+-]\d{2}:\d{2})?$/;
/** An RFC 3339 offset: hours and minutes (an offset with seconds cannot be written in RFC 3339). */
const OFFSET = /^[+-]\d{2}:\d{2}$/;
/** The hour holds a zone transition: each time in it is resolved on its own. */
const IRREGULAR = '';

/**
 * Reads source timestamps as RFC 3339 instants. Zone-less wall-clock times (Olist's) are read in
 * `zone` (IANA name, historical rules from the runtime's ICU data) with Temporal's `compatible`
 * disambiguation, the RFC 5545 rule:
 * - a time that does not exist (the gap when clocks go forward; São Paulo skipped 00:00-00:59 on
 *   the first day of daylight saving time, e.g. 2017-10-15) is moved forward by the gap's length:
 *   `2017-10-15 00:30:00` -> `2017-10-15T01:30:00-02:00`;
 * - a time that occurs twice (clocks go back; São Paulo repeated 23:00-23:59 on the last evening
 *   of daylight saving time, e.g. 2018-02-17) is the earlier instant, the daylight-saving one:
 *   `2018-02-17 23:30:00` -> `2018-02-17T23:30:00-02:00`.
 * Both keep the local calendar date. Times that already carry `Z` or `±hh:mm` keep it.
 *
 * Temporal costs ~90 µs a conversion here, so the offset is cached per local hour: an hour whose
 * first and last instant each exist once with the same offset holds no transition (tz rules never
 * put two in one hour), so every time in it has that offset. Other hours resolve each time.
 */
export class SourceClock {
  private readonly offsets = new Map<string, string>();

  /** @throws UsageError when `zone` is not an IANA time zone the runtime knows. */
  constructor(readonly zone: string) {
    try {
      Temporal.PlainDateTime.from('2000-01-01T00:00:00').toZonedDateTime(zone);
    } catch {
      throw new UsageError(`--source-time-zone must be an IANA time zone such as America/Sao_Paulo, got ${zone}`);
    }
  }

  /**
   * RFC 3339 with an offset for a timestamp text; null for an empty field (a stage not reached);
   * any other text unchanged, for the validator to reject (no cleaning here).
   */
  toRfc3339(text: string): string | null {
    if (text === '') return null;
    const match = TIMESTAMP.exec(text);
    if (!match) return text;
    const [, date, hour, rest, zone] = match as unknown as [string, string, string, string, string | undefined];
    if (zone) return `${date}T${hour}:${rest}${zone}`;
    const key = `${date}T${hour}`;
    let offset = this.offsets.get(key);
    if (offset === undefined) {
      offset = this.hourOffset(key);
      if (offset === undefined) return text;
      this.offsets.set(key, offset);
    }
    if (offset !== IRREGULAR) return `${key}:${rest}${offset}`;
    try {
      const zoned = Temporal.PlainDateTime.from(`${key}:${rest}`).toZonedDateTime(this.zone, { disambiguation: 'compatible' });
      return OFFSET.test(zoned.offset) ? `${zoned.toPlainDateTime().toString()}${zoned.offset}` : text;
    } catch {
      return text;
    }
  }

  /** The hour's single offset, IRREGULAR when a transition falls in it, undefined for no such hour (e.g. 25). */
  private hourOffset(key: string): string | undefined {
    const at = (time: string) => Temporal.PlainDateTime.from(`${key}:${time}`).toZonedDateTime(this.zone, { disambiguation: 'reject' }).offset;
    try {
      Temporal.PlainDateTime.from(`${key}:00:00`);
    } catch {
      return undefined;
    }
    try {
      const first = at('00:00');
      return first === at('59:59.999999999') && OFFSET.test(first) ? first : IRREGULAR;
    } catch {
      // 'reject': the hour starts or ends in a gap or an overlap.
      return IRREGULAR;
    }
  }
}
