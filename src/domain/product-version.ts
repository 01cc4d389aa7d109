/**
 * The VCD release Tessera presents itself as. Clients read it from the admin `VCloud` document's
 * `Description` (GET /api/admin): go-vcloud-director's `GetVcdVersion` takes the first word as the version,
 * which must have four numeric parts (`GetVcdFullVersion` refuses fewer), and parses the rest as a date with
 * `dateparse.ParseStrict`; real VCD writes Java's `Date.toString()` there, e.g.
 * `10.2.0.17008054 Thu Oct 08 23:53:08 MSK 2020` (vcd-clients §1.4).
 *
 * 10.6.1 is the release whose newest API version, 39.1, is the highest /api/versions lists (api-versions.ts);
 * build 0 and a fixed date say that this is not a VMware build, while every client comparison
 * (`VersionEqualOrGreater("10.6.0", 3)` ...) sees the release it expects.
 */
export const VCD_PRODUCT_VERSION = '10.6.1.0';
export const VCD_BUILD_DATE = Date.UTC(2024, 9, 8, 0, 0, 0);

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** Java's `Date.toString()` in UTC: `Tue Oct 08 00:00:00 UTC 2024`. */
export function javaDateString(ms: number): string {
  const d = new Date(ms);
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${time} UTC ${d.getUTCFullYear()}`;
}

/** The admin VCloud document's Description: `10.6.1.0 Tue Oct 08 00:00:00 UTC 2024`. */
export function vcdVersionDescription(): string {
  return `${VCD_PRODUCT_VERSION} ${javaDateString(VCD_BUILD_DATE)}`;
}
