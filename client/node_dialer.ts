/**
 * The WebSocket adapter: opens a connection to a node with a deadline and
 * hands text frames to one listener. Frames that arrive before listen() is
 * called are kept, so none is lost between "open" and the session attaching.
 *
 * Invariant: `closed` resolves exactly once, for every connection that opened,
 * however it ends (node gone, network error, close()).
 * @module
 */

export interface CloseInfo {
  code: number;
  reason: string;
}

export interface NodeConnection {
  url: string;
  send(text: string): void;
  /** Starts delivering text frames (and the ones that came before) to onText. */
  listen(onText: (text: string) => void): void;
  close(code?: number, reason?: string): void;
  closed: Promise<CloseInfo>;
}

export interface DialOptions {
  /** @default 5000 */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The HTTP client whose TLS trust (`--ca`) the connection uses. @default the runtime's */
  httpClient?: Deno.HttpClient;
}

export type Dialer = (url: string, options: DialOptions) => Promise<NodeConnection>;

/** Opens a WebSocket; rejects with "Cannot connect to URL: reason" when it does not open in time. */
export function dialNode(url: string, options: DialOptions = {}): Promise<NodeConnection> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    let socket: WebSocket;
    try {
      socket = options.httpClient
        ? new WebSocket(url, { client: options.httpClient })
        : new WebSocket(url);
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
          if (socket.readyState === WebSocket.OPEN) socket.send(text);
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
      if (!opened) fail(describeDialError((event as ErrorEvent).message ?? ""));
    });
    socket.addEventListener("close", (event) => {
      if (!opened) fail(`closed before opening (${event.code})`);
      resolveClosed({ code: event.code, reason: event.reason });
    });
  });
}

/** A person's reading of Deno's WebSocket connect errors. */
export function describeDialError(message: string): string {
  const status = /Invalid status code:? (\d+)/i.exec(message);
  if (status) return `the node refused the connection (HTTP ${status[1]})`;
  if (/tcp connect error|connection refused/i.test(message)) return "connection refused";
  if (/certificate|UnknownIssuer/i.test(message)) {
    return "its TLS certificate is not trusted here (pass --ca FILE, or set DENO_CERT)";
  }
  if (/dns|lookup/i.test(message)) return "host not found";
  return message.replace(/^NetworkError: failed to connect to WebSocket: /, "") ||
    "refused or unreachable";
}
