/**
 * The chaos clients' connection: a plain WebSocket that parses each text frame
 * once, remembers when the last one came (a frozen node sends nothing), and
 * gives up on an open that hangs. Keeps nothing: the caller records what it
 * needs, so a long run does not grow here.
 *
 * Invariant: onFrame is never called after onClose, and onClose exactly once,
 * whether the node closed, the network failed or the caller abandoned it.
 * @module
 */

export interface ServerFrame {
  type: string;
  payload: unknown;
  ref?: string;
  more?: boolean;
  vector?: Record<string, number>;
}

export interface ChaosSocketHandlers {
  onFrame(frame: ServerFrame): void;
  onClose(): void;
}

export class ChaosSocket {
  /** performance.now() of the last frame (or of the open). */
  lastFrameAtMs = performance.now();
  #ws: WebSocket;
  #handlers: ChaosSocketHandlers;
  #closed = false;

  private constructor(ws: WebSocket, handlers: ChaosSocketHandlers) {
    this.#ws = ws;
    this.#handlers = handlers;
  }

  /** Opens; null when the node refuses, fails or does not answer within openTimeoutMs. */
  static open(
    url: string,
    handlers: ChaosSocketHandlers,
    openTimeoutMs: number,
  ): Promise<ChaosSocket | null> {
    return new Promise((resolve) => {
      let ws: WebSocket;
      try {
        ws = new WebSocket(url);
      } catch {
        resolve(null);
        return;
      }
      const socket = new ChaosSocket(ws, handlers);
      let opened = false;
      const timer = setTimeout(() => {
        if (opened) return;
        socket.abandon();
        resolve(null);
      }, openTimeoutMs);
      ws.addEventListener("open", () => {
        opened = true;
        clearTimeout(timer);
        socket.lastFrameAtMs = performance.now();
        resolve(socket);
      });
      ws.addEventListener("message", (event) => socket.#receive(event.data));
      ws.addEventListener("close", () => {
        clearTimeout(timer);
        if (!opened) resolve(null);
        socket.#end();
      });
      ws.addEventListener("error", () => {
        // A close event follows; an error before open resolves through it.
      });
    });
  }

  get isOpen(): boolean {
    return !this.#closed && this.#ws.readyState === WebSocket.OPEN;
  }

  send(frame: unknown): boolean {
    if (!this.isOpen) return false;
    try {
      this.#ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** Drops the connection now; onClose follows at once. */
  abandon(): void {
    try {
      this.#ws.close();
    } catch { /* already closing */ }
    this.#end();
  }

  #receive(data: unknown): void {
    if (this.#closed || typeof data !== "string") return;
    this.lastFrameAtMs = performance.now();
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data) as ServerFrame;
    } catch {
      return;
    }
    this.#handlers.onFrame(frame);
  }

  #end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.onClose();
  }
}
