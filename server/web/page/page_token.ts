/**
 * The web page's user token (PROTOCOL.md section 6): taken from `/?token=T`
 * once, kept in sessionStorage for the visit (this tab, until it closes) and
 * removed from the address bar at once, so it is neither bookmarked, shared by
 * copying the URL, nor left in history. When a node says the token is no good
 * (close 4003, or a refused upgrade), the page asks for a new one.
 *
 * Invariant: the token never stays in the location; a token asked for and
 * refused by the person is not asked for again in that visit.
 * @module
 */

import { CloseCode } from "../../../common/errors.ts";

const TOKEN_STORAGE_KEY = "dsatter.token";

export interface PageTokenEnvironment {
  location: { search: string; pathname: string; hash: string };
  storage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  replaceUrl(url: string): void;
  /** Asks the person (window.prompt); null when they decline. */
  ask(question: string): string | null;
}

export interface PageToken {
  current(): string | undefined;
  /** Asks for a new token (once at a time, never again after a refusal); true when given. */
  renew(reason: string): boolean;
}

export function createPageToken(env: PageTokenEnvironment): PageToken {
  const params = new URLSearchParams(env.location.search);
  const fromUrl = params.get("token")?.trim();
  if (params.has("token")) {
    params.delete("token");
    const rest = params.toString();
    env.replaceUrl(`${env.location.pathname}${rest ? `?${rest}` : ""}${env.location.hash}`);
  }
  let token: string | undefined;
  try {
    if (fromUrl) env.storage.setItem(TOKEN_STORAGE_KEY, fromUrl);
    token = fromUrl || env.storage.getItem(TOKEN_STORAGE_KEY) || undefined;
  } catch {
    token = fromUrl || undefined; // storage disabled: this page load only
  }
  let declined = false;
  return {
    current: () => token,
    renew(reason) {
      if (declined) return false;
      const answer = env.ask(`${reason}: paste a new token (deno task token makes one)`)?.trim();
      if (!answer) {
        declined = true;
        return false;
      }
      token = answer;
      try {
        env.storage.setItem(TOKEN_STORAGE_KEY, answer);
      } catch { /* storage disabled */ }
      return true;
    },
  };
}

/**
 * Why the page needs a new token, from an offline state: the node closed with 4003 (the
 * token expired), or the page's own node refused to connect and answers `probe()` (a GET
 * with the token) with 401. Undefined when the token is not the trouble.
 */
export async function tokenTrouble(
  offline: { url?: string; closeCode?: number },
  context: { primaryUrl: string; hasToken: boolean; probe: () => Promise<number | undefined> },
): Promise<string | undefined> {
  if (offline.closeCode === CloseCode.tokenExpired) return "Your token expired";
  if (offline.closeCode !== undefined || offline.url !== context.primaryUrl) return undefined;
  if (await context.probe() !== 401) return undefined;
  return context.hasToken ? "The node refused your token" : "This node needs a token";
}
