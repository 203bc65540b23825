/**
 * The files a node reads once at start besides its database: the TLS
 * certificate and key it serves with, and the CA bundle it trusts for
 * discovery and peers. Read up front so a wrong path is one clear line and
 * exit 1 before anything listens.
 *
 * Invariant: returns PEM text only after checking it looks like PEM (a key
 * file handed as the certificate is caught here, not deep inside TLS).
 * @module
 */

import { readFileSync } from "node:fs";
import type { ServeTls } from "../transport/bun_transport.ts";

export interface StartFiles {
  tls?: ServeTls;
  caPem?: string;
}

function readPem(flag: string, path: string, kind: RegExp): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(
      `Cannot read ${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  if (!kind.test(text)) {
    throw new Error(`Cannot use ${flag} ${path}: it holds no PEM ${kind.source}`);
  }
  return text;
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
const PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;

/** The PEM texts, or an Error whose message is the one line to print. */
export function readStartFiles(
  options: { tls?: { certPath: string; keyPath: string }; caPath?: string },
): StartFiles {
  const files: StartFiles = {};
  if (options.tls) {
    files.tls = {
      cert: readPem("--tls-cert", options.tls.certPath, CERTIFICATE),
      key: readPem("--tls-key", options.tls.keyPath, PRIVATE_KEY),
    };
  }
  if (options.caPath) files.caPem = readPem("--ca", options.caPath, CERTIFICATE);
  return files;
}
