/**
 * One HTTP fuzz case and how it is sent: through fetch (a body of any bytes,
 * any headers), or as raw bytes on a TCP socket (a lying Content-Length, a
 * broken chunked body, a request cut off). Shared by the discovery and node
 * surfaces.
 *
 * Invariant: sendHttpCase() never throws for what the server does; a refused
 * connection or a timeout comes back as status 0.
 * @module
 */

import { connect } from "node:net";

export interface HttpCase {
  label: string;
  method: string;
  /** Path and query, e.g. `/api/nodes/register`. */
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Statuses the contract allows; empty for raw cases that may get no answer at all. */
  statuses: number[];
  /** The contract says this changes nothing (the refused-only phase sends only these). */
  refused: boolean;
  /** Sent as these bytes on a raw socket instead of through fetch. */
  raw?: { bytes: Uint8Array; endAfterWrite: boolean };
  /** After a 2xx: what the sender learns (a registered id, a stored messageId). */
  onAccepted?: (body: unknown) => void;
}

export interface HttpOutcome {
  /** 0 when no answer came. */
  status: number;
  bodyText: string;
}

const encoder = new TextEncoder();

export function jsonBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

async function sendRaw(
  baseUrl: string,
  bytes: Uint8Array,
  endAfterWrite: boolean,
): Promise<HttpOutcome> {
  const url = new URL(baseUrl);
  return await new Promise<HttpOutcome>((resolve) => {
    let answer = "";
    const socket = connect({ host: url.hostname, port: Number(url.port) }, () => {
      socket.write(bytes);
      if (endAfterWrite) socket.end();
    });
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
      resolve({
        status: status ? Number(status[1]) : 0,
        bodyText: answer.slice(answer.indexOf("\r\n\r\n") + 4),
      });
    };
    const timer = setTimeout(finish, 3000);
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
      if (/\r\n\r\n/.test(answer)) finish();
    });
    socket.on("error", finish);
    socket.on("close", finish);
  });
}

/** Sends a case to `baseUrl` (`http://HOST:PORT`). */
export async function sendHttpCase(baseUrl: string, testCase: HttpCase): Promise<HttpOutcome> {
  if (testCase.raw) return await sendRaw(baseUrl, testCase.raw.bytes, testCase.raw.endAfterWrite);
  try {
    const response = await fetch(baseUrl + testCase.path, {
      method: testCase.method,
      headers: testCase.headers,
      body: testCase.body as Uint8Array<ArrayBuffer> | undefined,
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, bodyText: await response.text() };
  } catch (error) {
    return { status: 0, bodyText: String(error) };
  }
}

/** A problem with an answer, or undefined: an allowed status, never 5xx, `{"error"}` on 4xx. */
export function httpProblem(testCase: HttpCase, outcome: HttpOutcome): string | undefined {
  if (outcome.status >= 500) return `status ${outcome.status}`;
  if (testCase.raw) return undefined;
  if (!testCase.statuses.includes(outcome.status)) return `status ${outcome.status}`;
  if (outcome.status >= 400) {
    try {
      const body = JSON.parse(outcome.bodyText) as { error?: unknown };
      if (typeof body.error !== "string") return 'a 4xx body without {"error": string}';
    } catch {
      return "a 4xx body that is not JSON";
    }
  }
  return undefined;
}

/** Raw HTTP/1.1 request bytes around a body, with a Content-Length that may lie. */
export function rawRequest(
  options: {
    method: string;
    path: string;
    host: string;
    headers: Record<string, string>;
    body: Uint8Array;
    declaredLength?: number | "chunked";
  },
): Uint8Array {
  const lines = [
    `${options.method} ${options.path} HTTP/1.1`,
    `Host: ${options.host}`,
    "Connection: close",
  ];
  for (const [name, value] of Object.entries(options.headers)) lines.push(`${name}: ${value}`);
  if (options.declaredLength === "chunked") lines.push("Transfer-Encoding: chunked");
  else lines.push(`Content-Length: ${options.declaredLength ?? options.body.length}`);
  const head = encoder.encode(lines.join("\r\n") + "\r\n\r\n");
  return Uint8Array.from([...head, ...options.body]);
}
