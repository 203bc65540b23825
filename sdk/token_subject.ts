/**
 * The name a user token speaks as (PROTOCOL.md section 6): its `sub`, read but
 * not verified (the node verifies), so a client can show it and say `hello` and
 * send under it without asking the person. The terminal client and the page use it.
 *
 * Invariant: never throws; undefined for anything that is not a JWT with a `sub`.
 * @module
 */

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
