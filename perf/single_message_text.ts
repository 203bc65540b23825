/**
 * The receivers' fast path: the text of the one message in a
 * `newMessagesForClient` frame, found with a few indexOf calls instead of
 * JSON.parse, because it runs once per delivery in the load generator.
 *
 * Invariant: it returns a text only for a frame holding exactly one message
 * whose text has no escape; for anything else it returns undefined and the
 * caller takes the full JSON.parse path. JSON escapes every quote inside a
 * string, so the marks below only ever match the frame's structure.
 * @module
 */

const TYPE_MARK = '"type":"newMessagesForClient"';
const MESSAGE_ID_MARK = '"messageId":';
const TEXT_MARK = '"text":"';

/** The one message's text, or undefined: take the JSON.parse path. */
export function singleMessageText(frame: string): string | undefined {
  if (!frame.includes(TYPE_MARK)) return undefined;
  const first = frame.indexOf(MESSAGE_ID_MARK);
  if (first < 0 || frame.indexOf(MESSAGE_ID_MARK, first + MESSAGE_ID_MARK.length) >= 0) {
    return undefined;
  }
  const start = frame.indexOf(TEXT_MARK);
  if (start < 0) return undefined;
  const end = frame.indexOf('"', start + TEXT_MARK.length);
  const text = frame.slice(start + TEXT_MARK.length, end);
  return text.includes("\\") ? undefined : text;
}
