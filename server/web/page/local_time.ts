/**
 * Times and days as the reader's locale writes them (Intl): the time of a
 * message (`9:41 AM`, `09:41`), the label of a day separator (`Today`,
 * `Yesterday`, `Monday, June 3`, `Monday, June 3, 2024`), the full date and
 * time of a tooltip, and the local day a moment falls on (to group by).
 *
 * Invariant: every function takes the locale and "now" as optional inputs,
 * so tests pin them; the page passes neither (the browser's own).
 * @module
 */

export interface LocalTimeOptions {
  /** @default the browser's locale */
  locale?: string;
  /** @default new Date() */
  now?: Date;
}

/** The local calendar day of a moment, `YYYY-MM-DD` (to compare days). */
export function localDayKey(date: Date): string {
  const month = String(date.getMonth() + 1).padStart(2, "0");
  const day = String(date.getDate()).padStart(2, "0");
  return `${date.getFullYear()}-${month}-${day}`;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** One formatter per locale and style (making one costs more than formatting a thousand rows). */
function formatter(locale: string | undefined, style: "time" | "full"): Intl.DateTimeFormat {
  const key = `${locale ?? ""}/${style}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(
      locale,
      style === "time" ? { timeStyle: "short" } : { dateStyle: "full", timeStyle: "medium" },
    );
    formats.set(key, format);
  }
  return format;
}

/** The time of day as the locale writes it, hours and minutes. */
export function timeOfDay(date: Date, options: LocalTimeOptions = {}): string {
  return formatter(options.locale, "time").format(date);
}

/** The full date and time, for a tooltip. */
export function fullDateTime(date: Date, options: LocalTimeOptions = {}): string {
  return formatter(options.locale, "full").format(date);
}

/** A day separator's label: today, yesterday, or the date (with the year when not this year). */
export function dayLabel(date: Date, options: LocalTimeOptions = {}): string {
  const now = options.now ?? new Date();
  const daysAgo = Math.round((startOfDay(now) - startOfDay(date)) / 86_400_000);
  if (daysAgo === 0 || daysAgo === 1) {
    const relative = new Intl.RelativeTimeFormat(options.locale, { numeric: "auto" })
      .format(-daysAgo, "day");
    return relative.charAt(0).toLocaleUpperCase(options.locale) + relative.slice(1);
  }
  const format: Intl.DateTimeFormatOptions = { weekday: "long", month: "long", day: "numeric" };
  if (date.getFullYear() !== now.getFullYear()) format.year = "numeric";
  return new Intl.DateTimeFormat(options.locale, format).format(date);
}

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}
