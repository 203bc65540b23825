/**
 * One client connection of the access surface, speaking as one identity: frames
 * go out with a ref, the answers with that ref come back to the case that sent
 * it, and every frame (answer or broadcast) is shown to an inspector (the leak
 * check) first. A frame whose ref no case waits for is itself a failure (a
 * second answer, or an answer after the sentinel said there was none).
 *
 * Invariant: answer() settles once: with the frame, or with undefined at the
 * deadline or when the connection closes.
 * @module
 */

export interface AnswerFrame {
  type: string;
  payload: unknown;
  ref?: unknown;
  [key: string]: unknown;
}

export interface AccessConnectionOptions {
  /** The upgrade URL, `?token=` included when the identity has one. */
  url: string;
  /** Sees every frame this connection receives. */
  inspect: (frame: AnswerFrame) => void;
  /** Told of a frame with a ref no case waits for. */
  stray: (frame: AnswerFrame) => void;
}

export class AccessConnection {
  #ws: WebSocket;
  #waiting = new Map<string, (frame: AnswerFrame | undefined) => void>();
  #received = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  closeCode?: number;

  private constructor(ws: WebSocket, options: AccessConnectionOptions) {
    this.#ws = ws;
    ws.addEventListener("message", (event) => {
      this.#received += 1;
      let frame: AnswerFrame;
      try {
        frame = JSON.parse(String(event.data));
      } catch {
        frame = { type: "<not JSON>", payload: String(event.data).slice(0, 200) };
      }
      options.inspect(frame);
      if (typeof frame.ref !== "string") return;
      const waiter = this.#waiting.get(frame.ref);
      if (!waiter) return options.stray(frame);
      this.#waiting.delete(frame.ref);
      waiter(frame);
    });
    this.closed = new Promise((resolve) => {
      ws.addEventListener("close", (event) => {
        this.closeCode = event.code;
        for (const waiter of this.#waiting.values()) waiter(undefined);
        this.#waiting.clear();
        resolve({ code: event.code, reason: event.reason });
      });
    });
  }

  /** Opens a connection; rejects when it does not open within deadlineMs. */
  static open(options: AccessConnectionOptions, deadlineMs = 15_000): Promise<AccessConnection> {
    const ws = new WebSocket(options.url);
    const connection = new AccessConnection(ws, options);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.close();
        reject(new Error(`Cannot open ${options.url.split("?")[0]} within ${deadlineMs} ms`));
      }, deadlineMs);
      ws.addEventListener("open", () => {
        clearTimeout(timer);
        resolve(connection);
      });
      ws.addEventListener("error", () => {
        clearTimeout(timer);
        reject(new Error(`Cannot open ${options.url.split("?")[0]}`));
      });
    });
  }

  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Frames received so far. */
  get received(): number {
    return this.#received;
  }

  /** Sends text (a frame with `ref`, for answer()). */
  send(text: string): void {
    if (this.isOpen) this.#ws.send(text);
  }

  /** The first frame with this ref, or undefined at the deadline or on close. */
  answer(ref: string, deadlineMs = 30_000): Promise<AnswerFrame | undefined> {
    if (!this.isOpen) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(ref);
        resolve(undefined);
      }, deadlineMs);
      this.#waiting.set(ref, (frame) => {
        clearTimeout(timer);
        resolve(frame);
      });
    });
  }

  /** Stops waiting for a ref: its answer() gives undefined unless the frame came already. */
  cancel(ref: string): void {
    const waiter = this.#waiting.get(ref);
    this.#waiting.delete(ref);
    waiter?.(undefined);
  }

  /** Sends a frame and waits for its answer (by its ref). */
  async ask(
    frame: { type: string; payload: unknown; ref: string },
  ): Promise<AnswerFrame | undefined> {
    const answer = this.answer(frame.ref);
    this.send(JSON.stringify(frame));
    return await answer;
  }

  async close(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return;
    this.#ws.close(1000);
    await Promise.race([this.closed, new Promise((resolve) => setTimeout(resolve, 5000))]);
  }
}
