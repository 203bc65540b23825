/**
 * Node passwords and the cluster secret, checked without ever storing a password
 * in clear: PBKDF2-SHA-512 with a random 16-byte salt (WebCrypto), compared in
 * constant time. A successful check is remembered in memory as an HMAC under a
 * per-process random key, so that heartbeats (every ttl/3 per node) do not pay
 * the deliberately slow key derivation each time.
 *
 * Invariant: a password is accepted only if it derives the stored hash; the cache
 * only short-cuts a password that already did so in this process.
 * @module
 */

/** Stored in KV with the node record. */
export interface PasswordHash {
  algorithm: "PBKDF2-SHA-512";
  iterations: number;
  /** base64 */
  salt: string;
  /** base64, 64 bytes */
  hash: string;
}

/**
 * Below OWASP's 210,000 for PBKDF2-HMAC-SHA-512, deliberately: node passwords are
 * random tokens the nodes generate, so the salt and this cost already make offline
 * guessing pointless, while 210,000 made a burst of 50 registrations take ~17 s of
 * CPU on a loaded two-core machine (see docs/DISCOVERY.md).
 */
export const DEFAULT_PASSWORD_HASH_ITERATIONS = 100_000;

const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Equal bytes, in time that depends only on the lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** Equal strings, compared via their SHA-256 so neither length nor content leaks by timing. */
export async function constantTimeEqualStrings(a: string, b: string): Promise<boolean> {
  const [hashA, hashB] = await Promise.all([sha256(a), sha256(b)]);
  return constantTimeEqual(hashA, hashB);
}

async function derive(password: string, salt: Uint8Array, iterations: number) {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-512", salt: salt as BufferSource, iterations },
    key,
    512,
  );
  return new Uint8Array(bits);
}

export async function hashPassword(
  password: string,
  iterations = DEFAULT_PASSWORD_HASH_ITERATIONS,
): Promise<PasswordHash> {
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new RangeError(`Cannot hash a password: iterations must be a positive integer`);
  }
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, iterations);
  return { algorithm: "PBKDF2-SHA-512", iterations, salt: toBase64(salt), hash: toBase64(hash) };
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const derived = await derive(password, fromBase64(stored.salt), stored.iterations);
  return constantTimeEqual(derived, fromBase64(stored.hash));
}

export interface PasswordChecker {
  /** True when `password` matches `stored`; `cacheKey` names the holder (the node id). */
  verify(cacheKey: string, password: string, stored: PasswordHash): Promise<boolean>;
}

export interface PasswordCheckerOptions {
  /** Remembered successful checks; the cache is cleared when it grows past this. @default 10000 */
  maxCachedEntries?: number;
}

export function createPasswordChecker(options: PasswordCheckerOptions = {}): PasswordChecker {
  const maxEntries = options.maxCachedEntries ?? 10_000;
  const cache = new Map<string, { storedHash: string; mac: Uint8Array }>();
  const macKey = crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]);

  async function mac(password: string): Promise<Uint8Array> {
    const signature = await crypto.subtle.sign("HMAC", await macKey, encoder.encode(password));
    return new Uint8Array(signature);
  }

  return {
    async verify(cacheKey, password, stored) {
      const cached = cache.get(cacheKey);
      if (cached && cached.storedHash === stored.hash) {
        return constantTimeEqual(await mac(password), cached.mac);
      }
      if (!(await verifyPassword(password, stored))) return false;
      if (cache.size >= maxEntries) cache.clear();
      cache.set(cacheKey, { storedHash: stored.hash, mac: await mac(password) });
      return true;
    },
  };
}
