import { Temporal } from 'temporal-polyfill';
import { UsageError } from '../../common/errors.ts';

/** Olist's form (`2017-10-02 10:56:33`), also with a `T`, a fraction and an offset. */
const TIMESTAMP = /^((\d{4})-(\d{2})-(\d{2}))[ T]((\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?)(Z|[+-]\d{2}:\d{2})?$/;
/** An RFC 3339 offset: hours and minutes (an offset with seconds cannot be written in RFC 3339). */
const OFFSET = /^[+-]\d{2}:\d{2}$/;
/** Wider than any clock change (2 h at most): local times this close to a transition are resolved one by one. */
const MARGIN_MS = 3 * 3_600_000;

/** Wall-clock times (as ms on a UTC clock) from `from` up to `to` that exist once, all with `offset`. */
interface Span {
  from: number;
  to: number;
  offset: string;
}

/**
 * Reads source timestamps as RFC 3339 instants. Zone-less wall-clock times (Olist's) are read in
 * `zone` (IANA name, historical rules from the runtime's ICU data, through temporal-polyfill) with
 * Temporal's `compatible` disambiguation, the RFC 5545 rule:
 * - a time that does not exist (the gap when clocks go forward; São Paulo skipped 00:00-00:59 on
 *   the first day of daylight saving time, e.g. 2017-10-15) is moved forward by the gap's length:
 *   `2017-10-15 00:30:00` -> `2017-10-15T01:30:00-02:00`;
 * - a time that occurs twice (clocks go back; São Paulo repeated 23:00-23:59 on the last evening
 *   of daylight saving time, e.g. 2018-02-17) is the earlier instant, the daylight-saving one:
 *   `2018-02-17 23:30:00` -> `2018-02-17T23:30:00-02:00`.
 * Both keep the local calendar date. Times that already carry `Z` or `±hh:mm` keep it.
 *
 * Temporal costs ~90 µs a conversion, so each conversion also learns the span between the zone's
 * transitions around it (less a 3 h margin at each end): any later time inside a known span takes
 * its offset without Temporal. Times near a transition are resolved one by one.
 */
export class SourceClock {
  private readonly spans: Span[] = [];

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
    const [, date, year, month, day, time, hour, minute, second, zone] = match as unknown as string[];
    if (zone) return `${date}T${time}${zone}`;
    const wall = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
    // Date.UTC rolls 02-30 over to March and 24:00 to the next day: such a text is not a time.
    const real =
      Number(month) >= 1 &&
      Number(month) <= 12 &&
      new Date(wall).getUTCDate() === Number(day) &&
      Number(hour) < 24 &&
      Number(minute) < 60 &&
      Number(second) < 60;
    if (!real) return text;
    for (const span of this.spans) {
      if (wall >= span.from && wall < span.to) return `${date}T${time}${span.offset}`;
    }
    return this.resolve(`${date}T${time}`, text);
  }

  private resolve(local: string, text: string): string {
    let zoned: Temporal.ZonedDateTime;
    try {
      zoned = Temporal.PlainDateTime.from(local).toZonedDateTime(this.zone, { disambiguation: 'compatible' });
    } catch {
      return text;
    }
    if (!OFFSET.test(zoned.offset)) return text;
    const offsetMs = zoned.offsetNanoseconds / 1e6;
    // 'previous' means strictly before: a time moved to the end of a gap sits on its transition.
    const previous = zoned.add({ nanoseconds: 1 }).getTimeZoneTransition('previous');
    const next = zoned.getTimeZoneTransition('next');
    const span = {
      from: previous ? previous.epochMilliseconds + offsetMs + MARGIN_MS : -Infinity,
      to: next ? next.epochMilliseconds + offsetMs - MARGIN_MS : Infinity,
      offset: zoned.offset,
    };
    // Times within the margin miss every span and come here each time: learn each span once.
    if (span.from < span.to && !this.spans.some((known) => known.from === span.from)) this.spans.push(span);
    return `${zoned.toPlainDateTime().toString()}${zoned.offset}`;
  }
}
