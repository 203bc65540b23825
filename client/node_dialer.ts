/**
 * The terminal client's WebSocket dialer: the SDK's (sdk/websocket_dialer.ts),
 * with Deno's connect errors read into one plain reason for status lines.
 * @module
 */

import { createWebSocketDialer } from "../sdk/websocket_dialer.ts";

/** A person's reading of Deno's WebSocket connect errors. */
export function describeDialError(message: string): string {
  const status = /Invalid status code:? (\d+)/i.exec(message);
  if (status) return `the node refused the connection (HTTP ${status[1]})`;
  if (/tcp connect error|connection refused/i.test(message)) return "connection refused";
  if (/dns|lookup/i.test(message)) return "host not found";
  return message.replace(/^NetworkError: failed to connect to WebSocket: /, "") ||
    "refused or unreachable";
}

/** Opens a WebSocket to a node; rejects with "Cannot connect to URL: reason". */
export const dialNode = createWebSocketDialer({ describeError: describeDialError });

/**
 * The dialer for `--ca`: the same, with Deno's WebSocket trusting the HTTP client's
 * CA certificates (a private CA for a TLS cluster).
 */
export function dialNodeTrusting(httpClient: Deno.HttpClient | undefined): typeof dialNode {
  if (!httpClient) return dialNode;
  class TrustingWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { client: httpClient } as unknown as string[]);
    }
  }
  return createWebSocketDialer({ describeError: describeDialError, WebSocket: TrustingWebSocket });
}
