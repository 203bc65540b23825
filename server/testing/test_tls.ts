/**
 * Test TLS material and TLS-aware calls for tests of both runtimes: a private
 * CA and a server certificate for localhost, 127.0.0.1 and ::1, made by the
 * `openssl` command in a temp dir; a fetch and a WebSocket that trust that CA
 * (Bun: `tls: { ca }`; Deno: an HttpClient with `caCerts`). node:child_process
 * only, like the other harnesses, so Deno tests import it too.
 *
 * Invariant: remove() deletes the temp dir (keys included) and nothing else.
 * @module
 */

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestTls {
  dir: string;
  /** The CA certificate (PEM file) clients and nodes trust with `--ca`. */
  caPath: string;
  caPem: string;
  /** The server certificate and key every test process serves with. */
  certPath: string;
  keyPath: string;
  remove(): void;
}

/** A fresh CA and a server certificate signed by it, valid for two days. */
export function makeTestTls(): TestTls {
  const dir = mkdtempSync(join(tmpdir(), "dsatter-tls-"));
  const path = (name: string) => join(dir, name);
  const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  try {
    openssl([
      ..."req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=dsatter-test-ca".split(" "),
      ...["-keyout", path("ca.key"), "-out", path("ca.pem")],
    ]);
    openssl([
      ..."req -newkey rsa:2048 -nodes -subj /CN=localhost".split(" "),
      ...["-keyout", path("node.key"), "-out", path("node.csr")],
    ]);
    writeFileSync(
      path("ext.cnf"),
      "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\n" +
        "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    );
    openssl([
      ..."x509 -req -days 2 -CAcreateserial".split(" "),
      ...["-in", path("node.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key")],
      ...["-out", path("node.pem"), "-extfile", path("ext.cnf")],
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Cannot make test certificates with openssl: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    dir,
    caPath: path("ca.pem"),
    caPem: readFileSync(path("ca.pem"), "utf8"),
    certPath: path("node.pem"),
    keyPath: path("node.key"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The Deno namespace as far as these helpers use it (absent under Bun). */
interface DenoTls {
  createHttpClient(options: { caCerts: string[] }): unknown;
}

function denoOf(): DenoTls | undefined {
  return (globalThis as unknown as { Deno?: DenoTls }).Deno;
}

const denoClients = new Map<string, unknown>();

function denoClient(deno: DenoTls, caPem: string): unknown {
  let client = denoClients.get(caPem);
  if (!client) {
    client = deno.createHttpClient({ caCerts: [caPem] });
    denoClients.set(caPem, client);
  }
  return client;
}

/** fetch that also trusts caPem (plain fetch without it). */
export function fetchTrusting(
  caPem: string | undefined,
  input: string,
  init: RequestInit = {},
): Promise<Response> {
  if (caPem === undefined) return fetch(input, init);
  const deno = denoOf();
  const extra = deno ? { client: denoClient(deno, caPem) } : { tls: { ca: caPem } };
  return fetch(input, { ...init, ...extra } as RequestInit);
}

/** A client WebSocket that also trusts caPem (a plain one without it). */
export function webSocketTrusting(url: string, caPem?: string): WebSocket {
  if (caPem === undefined) return new WebSocket(url);
  const deno = denoOf();
  const options = deno ? { client: denoClient(deno, caPem) } : { tls: { ca: caPem } };
  const WebSocketWithOptions = WebSocket as unknown as new (
    url: string,
    options: unknown,
  ) => WebSocket;
  return new WebSocketWithOptions(url, options);
}
