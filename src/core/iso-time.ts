// ISO 8601 UTC timestamps (`2026-12-06T04:05:06.789Z`, as Date.prototype.toISOString writes them) by integer
// arithmetic. V8's toISOString, like every Date formatting, sets up ICU's time zone data on first use, which an idle
// agent would otherwise keep mapped for a timestamp in every status file (~1 MiB, src/agent/README.md, "Memory").
// The civil-from-days algorithm is Howard Hinnant's (https://howardhinnant.github.io/date_algorithms.html).

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/**
 * `new Date(ms).toISOString()` for the milliseconds since the epoch of the years 0000 to 9999; throws a RangeError
 * for a time outside them or not an integer, where toISOString would write an extended year or throw.
 */
export function isoTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < -62167219200000 || ms > 253402300799999)
    throw new RangeError(`isoTime: ${ms} is not a time in the years 0000 to 9999`);
  const days = Math.floor(ms / 86400000);
  const inDay = ms - days * 86400000;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const h = Math.floor(inDay / 3600000);
  const m = Math.floor(inDay / 60000) % 60;
  const s = Math.floor(inDay / 1000) % 60;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(inDay % 1000, 3)}Z`;
}
