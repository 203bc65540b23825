/**
 * Reads a request body as JSON with a hard size cap: the one body reader of
 * discovery and the nodes, so that no input can make either buffer more than the
 * cap, pass invalid UTF-8 on as U+FFFD, or answer with a 500. Runtime-neutral
 * (Fetch API Request, TextDecoder).
 *
 * Invariants: never reads more than `maxBytes` + one chunk; bytes that are not
 * UTF-8 are refused, never repaired; every failure is a value carrying the HTTP
 * status the contract asks for (400 or 413) and a "Cannot read the body: <why>"
 * error.
 * @module
 */

export type JsonBody =
  | { ok: true; value: unknown }
  | { ok: false; status: 400 | 413; error: string };

/** Human size for the 413 message: "16 KiB", "64 KiB", "100 bytes". */
function sizeText(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

function refused(status: 400 | 413, why: string): JsonBody & { ok: false } {
  return { ok: false, status, error: `Cannot read the body: ${why}` };
}

/** The body's bytes, or the refusal (over the cap, unreadable). */
async function readCapped(
  request: Request,
  maxBytes: number,
): Promise<{ ok: true; bytes: Uint8Array } | JsonBody & { ok: false }> {
  const tooLarge = refused(413, `it is over ${sizeText(maxBytes)}`);
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) return tooLarge;
  if (!request.body) return { ok: true, bytes: new Uint8Array() };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        return tooLarge;
      }
      chunks.push(value);
    }
  } catch {
    return refused(400, "it could not be read");
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}

/** The body parsed as JSON, or why not (400: empty, not UTF-8, not JSON; 413: too large). */
export async function readJsonBody(request: Request, maxBytes: number): Promise<JsonBody> {
  const read = await readCapped(request, maxBytes);
  if (!read.ok) return read;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(read.bytes);
  } catch {
    return refused(400, "it is not UTF-8");
  }
  if (text.trim() === "") return refused(400, "it is empty; JSON expected");
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return refused(400, "it is not JSON");
  }
}
