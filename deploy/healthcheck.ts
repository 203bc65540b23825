/**
 * Container health check, run by the engine inside the container (HEALTHCHECK in
 * deploy/*.Dockerfile): GET http://127.0.0.1:PORT/healthz and exit 0 when it answers
 * 200 with `"ok": true`, 1 otherwise. Runs under Bun (server image) and Deno
 * (discovery image) alike, so it uses only fetch and node:process.
 *
 * PORT is DSATTER_PORT when set (the port the process was told to listen on), else
 * the first argument (the image's default port).
 *
 * Invariant: prints one line only when unhealthy (the engine keeps it in the
 * container's health log), and never waits longer than 4 s.
 * @module
 */

import process from "node:process";

const port = process.env.DSATTER_PORT || process.argv[2] || "";
if (!/^[0-9]{1,5}$/.test(port)) {
  console.error(`Cannot check health: no port (DSATTER_PORT or an argument), got "${port}"`);
  process.exit(1);
}

try {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
    signal: AbortSignal.timeout(4000),
  });
  const body = await response.json() as { ok?: unknown };
  if (response.status !== 200 || body.ok !== true) {
    console.error(`unhealthy: /healthz answered ${response.status} ${JSON.stringify(body)}`);
    process.exit(1);
  }
} catch (error) {
  console.error(`unhealthy: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
