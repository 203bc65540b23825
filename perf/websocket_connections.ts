/**
 * Opening and closing many client WebSockets at once, with bounded
 * concurrency and a deadline, for the load generators.
 *
 * Invariant: openWebSockets either resolves with every socket open, or
 * rejects after closing every socket it opened; it never leaves a socket
 * behind, and it never has more than `concurrency` handshakes in flight.
 * @module
 */

export interface OpenWebSocketsOptions {
  /** Handshakes in flight at once. @default 100 */
  concurrency?: number;
  /** Deadline for each handshake. @default 15000 */
  handshakeTimeoutMs?: number;
  signal?: AbortSignal;
  /** Called with each socket right after it is created, before it opens (attach handlers here). */
  onCreate?: (socket: WebSocket, index: number) => void;
}

/** Opens one socket and resolves once it is open. */
export function openWebSocket(
  url: string,
  options: Omit<OpenWebSocketsOptions, "concurrency"> & { index?: number } = {},
): Promise<WebSocket> {
  const socket = new WebSocket(url);
  options.onCreate?.(socket, options.index ?? 0);
  const timeoutMs = options.handshakeTimeoutMs ?? 15_000;
  return new Promise<WebSocket>((resolve, reject) => {
    const fail = (reason: string) => {
      cleanup();
      try {
        socket.close();
      } catch {
        // already closing
      }
      reject(new Error(`Cannot open ${url}: ${reason}`));
    };
    const onOpen = () => {
      cleanup();
      resolve(socket);
    };
    const onError = () => fail("connection error");
    const onClose = (event: CloseEvent) => fail(`closed with ${event.code}`);
    const onAbort = () => fail("aborted");
    const timer = setTimeout(() => fail(`no handshake within ${timeoutMs} ms`), timeoutMs);
    function cleanup() {
      clearTimeout(timer);
      socket.removeEventListener("open", onOpen);
      socket.removeEventListener("error", onError);
      socket.removeEventListener("close", onClose);
      options.signal?.removeEventListener("abort", onAbort);
    }
    socket.addEventListener("open", onOpen);
    socket.addEventListener("error", onError);
    socket.addEventListener("close", onClose);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort);
  });
}

/** Opens one socket per url, `concurrency` at a time. */
export async function openWebSockets(
  urls: readonly string[],
  options: OpenWebSocketsOptions = {},
): Promise<WebSocket[]> {
  const concurrency = options.concurrency ?? 100;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError("Cannot open WebSockets: concurrency must be an integer >= 1");
  }
  const sockets: WebSocket[] = new Array(urls.length);
  let next = 0;
  let failure: Error | undefined;
  async function worker() {
    while (failure === undefined && next < urls.length) {
      const index = next++;
      try {
        sockets[index] = await openWebSocket(urls[index], { ...options, index });
      } catch (error) {
        failure ??= error as Error;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, urls.length) }, worker));
  if (failure !== undefined) {
    await closeWebSockets(sockets.filter(Boolean));
    throw failure;
  }
  return sockets;
}

/** Closes every socket and waits (at most timeoutMs) until they report closed. */
export async function closeWebSockets(
  sockets: readonly WebSocket[],
  timeoutMs = 10_000,
): Promise<void> {
  const pending = sockets.filter((socket) => socket.readyState !== WebSocket.CLOSED);
  const closed = pending.map((socket) =>
    new Promise<void>((resolve) => socket.addEventListener("close", () => resolve()))
  );
  for (const socket of pending) {
    try {
      socket.close(1000);
    } catch {
      // already closing
    }
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs));
  await Promise.race([Promise.all(closed), deadline]);
  clearTimeout(timer);
}
