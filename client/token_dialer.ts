/**
 * The user token on the terminal client's connections (PROTOCOL.md section 6):
 * every dial carries it as `?token=` (Deno's WebSocket sets no headers), and
 * the two ends a token can meet are told apart from ordinary failures: a node
 * refusing the upgrade with 401 (a token refused, or none where one is
 * required), and a close with 4003 (the token expired). Both are final: the
 * client says so in one sentence and stops instead of failing over forever.
 *
 * Invariant: onAuthFailure is called at most once per dial, with a sentence a
 * person can act on; other failures pass through unchanged.
 * @module
 */

import { CloseCode } from "../common/errors.ts";
import type { Dialer } from "../sdk/node_connection.ts";
import { urlWithToken } from "../sdk/websocket_dialer.ts";

export interface TokenDialerOptions {
  /** The user token; undefined: none is sent (a 401 then says one is needed). */
  token?: string;
  /** Told why the client cannot go on; the caller stops. */
  onAuthFailure: (sentence: string) => void;
}

export function tokenDialer(dial: Dialer, options: TokenDialerOptions): Dialer {
  return async (url, dialOptions) => {
    let connection;
    try {
      connection = await dial(urlWithToken(url, options.token), dialOptions);
    } catch (error) {
      if (/HTTP 401\b/.test((error as Error).message)) {
        options.onAuthFailure(
          options.token === undefined
            ? `Cannot connect to ${url}: the node requires a user token: pass --token (deno task token makes one)`
            : `Cannot connect to ${url}: the node refused the token (invalid or expired): get a new one`,
        );
      }
      throw error;
    }
    const closed = connection.closed.then((info) => {
      if (info.code === CloseCode.tokenExpired) {
        options.onAuthFailure(
          `Disconnected from ${url}: the token expired (close ${info.code}): get a new one`,
        );
      }
      return info;
    });
    return { ...connection, url, closed };
  };
}
