/**
 * The small, safe subset of markdown the page renders in messages: **bold**,
 * *italic* (or _italic_), `inline code`, ```code blocks```, and http(s) links.
 * Pure: text in, a tree of spans out; message_body.ts turns the spans into DOM
 * nodes (textContent only).
 *
 * Invariants: the concatenated text of the spans (links by their text) is the
 * message text minus the markup characters that were consumed; nothing inside
 * code is interpreted; a link's href is an absolute http: or https: URL, never
 * anything else (`javascript:` stays text).
 * @module
 */

export type MarkupSpan =
  | { kind: "text"; text: string }
  | { kind: "bold"; children: MarkupSpan[] }
  | { kind: "italic"; children: MarkupSpan[] }
  | { kind: "code"; text: string }
  | { kind: "codeBlock"; text: string }
  | { kind: "link"; href: string; text: string };

/** Emphasis inside emphasis inside emphasis: deeper is shown as text. */
const MAX_DEPTH = 3;

const FENCE = /```(?:[^\S\n]*[\w+-]*[^\S\n]*\n)?([\s\S]*?)\n?```/g;
const INLINE_CODE = /`([^`\n]+)`/g;
/**
 * One alternation, tried left to right at each position: a URL first (so `_` or `*`
 * in a URL is not emphasis), then **bold**, then *italic* and _italic_ (not inside
 * words, so snake_case_names stay as they are).
 */
const INLINE = new RegExp(
  [
    String.raw`(https?:\/\/[^\s<>"]+)`,
    String.raw`\*\*(?=\S)([\s\S]*?\S)\*\*`,
    String.raw`(?<![\p{L}\p{N}*])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\p{L}\p{N}*])`,
    String.raw`(?<![\p{L}\p{N}_])_(?=[^\s_])([^_\n]*?[^\s_])_(?![\p{L}\p{N}_])`,
  ].join("|"),
  "gu",
);

/** The spans of a message text. */
export function parseMarkup(text: string): MarkupSpan[] {
  const spans: MarkupSpan[] = [];
  let last = 0;
  for (const match of text.matchAll(FENCE)) {
    if (match[1].trim() === "") continue;
    spans.push(...parseCodeSpans(text.slice(last, match.index)));
    spans.push({ kind: "codeBlock", text: match[1] });
    last = match.index + match[0].length;
  }
  spans.push(...parseCodeSpans(text.slice(last)));
  return mergeText(spans);
}

function parseCodeSpans(text: string): MarkupSpan[] {
  const spans: MarkupSpan[] = [];
  let last = 0;
  for (const match of text.matchAll(INLINE_CODE)) {
    spans.push(...parseInline(text.slice(last, match.index), 0));
    spans.push({ kind: "code", text: match[1] });
    last = match.index + match[0].length;
  }
  spans.push(...parseInline(text.slice(last), 0));
  return spans;
}

function parseInline(text: string, depth: number): MarkupSpan[] {
  if (text === "") return [];
  if (depth >= MAX_DEPTH) return [{ kind: "text", text }];
  const spans: MarkupSpan[] = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const [whole, url, bold, starItalic, lineItalic] = match;
    let end = match.index + whole.length;
    if (url !== undefined) {
      const link = linkOf(url);
      if (!link) continue;
      spans.push({ kind: "text", text: text.slice(last, match.index) }, link);
      end = match.index + link.text.length;
    } else {
      spans.push({ kind: "text", text: text.slice(last, match.index) });
      const children = parseInline(bold ?? starItalic ?? lineItalic, depth + 1);
      spans.push(bold !== undefined ? { kind: "bold", children } : { kind: "italic", children });
    }
    last = end; // a URL cut short gives its tail back to the text that follows
  }
  spans.push({ kind: "text", text: text.slice(last) });
  return mergeText(spans);
}

/**
 * A link for a URL as typed, without the punctuation that ends a sentence around it
 * (`see https://x.org/a.` links `https://x.org/a`); a `)` stays when it closes a `(`
 * of the URL itself. Undefined unless it is an http(s) URL.
 */
export function linkOf(raw: string): MarkupSpan & { kind: "link" } | undefined {
  let text = raw;
  while (text.length > 0) {
    const tail = text.at(-1)!;
    const unbalanced = tail === ")" &&
      text.split("(").length <= text.split(")").length - 1;
    if (!/[.,;:!?'"\]*_]/.test(tail) && !unbalanced) break;
    text = text.slice(0, -1);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    return undefined;
  }
  return { kind: "link", href: url.href, text };
}

function mergeText(spans: MarkupSpan[]): MarkupSpan[] {
  const merged: MarkupSpan[] = [];
  for (const span of spans) {
    if (span.kind === "text") {
      if (span.text === "") continue;
      const previous = merged.at(-1);
      if (previous?.kind === "text") {
        merged[merged.length - 1] = { kind: "text", text: previous.text + span.text };
        continue;
      }
    }
    merged.push(span);
  }
  return merged;
}

/** The text a reader sees (markup characters gone), e.g. for notifications. */
export function plainText(spans: readonly MarkupSpan[]): string {
  return spans.map((span) => "children" in span ? plainText(span.children) : span.text).join("");
}
