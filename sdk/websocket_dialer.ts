/**
 * The WebSocket adapter of the client core: opens a connection to a node with
 * a deadline and hands text frames to one listener. It uses the standard
 * `WebSocket` (a global in browsers, Deno, Bun and Node 22+; pass another
 * constructor, e.g. the `ws` package's, elsewhere). A token (PROTOCOL.md
 * section 6) rides in the URL as `?token=`, the one way a browser can send it.
 *
 * Invariant: `closed` resolves exactly once, for every connection that opened,
 * however it ends (node gone, network error, close()); frames that arrive
 * before listen() are kept, so none is lost between "open" and the session
 * attaching.
 * @module
 */

import type { CloseInfo, Dialer, DialOptions, NodeConnection } from "./node_connection.ts";

export type { CloseInfo, Dialer, DialOptions, NodeConnection } from "./node_connection.ts";

/** WebSocket.OPEN, without needing the global. */
const OPEN = 1;

/** The standard WebSocket constructor's shape (what this adapter uses of it). */
export type WebSocketConstructor = new (url: string) => WebSocket;

export interface WebSocketDialerOptions {
  /** Sent as `?token=` on every dial (section 6); read at each dial. */
  token?: () => string | undefined;
  /** Turns the runtime's error text into a reason a person can read. */
  describeError?: (message: string) => string;
  /** @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor;
}

/** The URL with `?token=T` set (an existing token parameter is replaced). */
export function urlWithToken(url: string, token: string | undefined): string {
  if (token === undefined || token === "") return url;
  const withToken = new URL(url);
  withToken.searchParams.set("token", token);
  return withToken.toString();
}

/** A Dialer over WebSockets. */
export function createWebSocketDialer(options: WebSocketDialerOptions = {}): Dialer {
  return (url, dialOptions) => dialWebSocket(url, dialOptions, options);
}

/** Opens a WebSocket; rejects with "Cannot connect to URL: reason" when it does not open in time. */
export function dialWebSocket(
  url: string,
  options: DialOptions = {},
  adapter: WebSocketDialerOptions = {},
): Promise<NodeConnection> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const describe = adapter.describeError ??
    ((message: string) => message || "refused or unreachable");
  const Socket = adapter.WebSocket ?? globalThis.WebSocket;
  return new Promise((resolve, reject) => {
    let socket: WebSocket;
    try {
      socket = new Socket(urlWithToken(url, adapter.token?.()));
    } catch (error) {
      reject(new Error(`Cannot connect to ${url}: ${(error as Error).message}`, { cause: error }));
      return;
    }
    let opened = false;
    let settled = false;
    let listener: ((text: string) => void) | undefined;
    const early: string[] = [];
    let resolveClosed!: (info: CloseInfo) => void;
    const closed = new Promise<CloseInfo>((r) => resolveClosed = r);

    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      try {
        socket.close();
      } catch { /* already closing */ }
      reject(new Error(`Cannot connect to ${url}: ${reason}`));
    };
    const onAbort = () => fail("aborted");
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    options.signal?.addEventListener("abort", onAbort, { once: true });

    socket.addEventListener("open", () => {
      if (settled) return;
      settled = true;
      opened = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve({
        url,
        send: (text) => {
          if (socket.readyState === OPEN) socket.send(text);
        },
        listen(onText) {
          listener = onText;
          for (const text of early.splice(0)) onText(text);
        },
        close: (code = 1000, reason = "") => {
          try {
            socket.close(code, reason);
          } catch { /* already closing */ }
        },
        closed,
      });
    });
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      if (listener) listener(event.data);
      else early.push(event.data);
    });
    socket.addEventListener("error", (event) => {
      if (!opened) fail(describe((event as ErrorEvent).message ?? ""));
    });
    socket.addEventListener("close", (event) => {
      if (!opened) fail(`closed before opening (${event.code})`);
      resolveClosed({ code: event.code, reason: event.reason });
    });
  });
}
