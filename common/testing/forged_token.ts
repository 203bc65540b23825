/**
 * Test helper: JWTs with any header and payload, MAC'd with HS256 over the given
 * secret whatever their header claims, to show that nodes refuse `none`,
 * HS512, RS256-looking, expired and malformed tokens. Only tests import it.
 * @module
 */

export function base64url(text: string): string {
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** `header.payload.HMAC-SHA256(secret)`, base64url, for any header and payload. */
export async function forgeToken(header: object, payload: object, secret: string): Promise<string> {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(input)),
  );
  return `${input}.${base64url(String.fromCharCode(...mac))}`;
}
