/**
 * A user token as a client carries it (PROTOCOL.md section 6), for the terminal
 * client and the web page alike: on a WebSocket URL as `?token=` (neither
 * Deno's nor a browser's WebSocket sets headers), and its `sub` read (not
 * verified: the node verifies) to show and send as the user's name.
 * Runtime-neutral and free of the JWT library, so the page's bundle stays small.
 *
 * Invariant: withToken changes nothing but the `token` query parameter.
 * @module
 */

/** The node URL with the token as its `token` query parameter (unchanged without one). */
export function withToken(url: string, token: string | undefined): string {
  if (token === undefined) return url;
  const parsed = new URL(url);
  parsed.searchParams.set("token", token);
  return parsed.toString();
}

/** The `sub` a token names, or undefined when it is not a readable JWT with one. */
export function tokenSubject(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  try {
    const part = token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/");
    const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
    const sub = (JSON.parse(new TextDecoder().decode(bytes)) as { sub?: unknown }).sub;
    return typeof sub === "string" && sub.length > 0 ? sub : undefined;
  } catch {
    return undefined;
  }
}
