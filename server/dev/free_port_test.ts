import { expect, test } from "bun:test";
import { createServer } from "node:net";
import { busyPortLine, isPortFree } from "./free_port.ts";

test("isPortFree() is false for a port in use and true once it is released", async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  expect(await isPortFree(port)).toBe(false);
  await new Promise((resolve) => server.close(resolve));
  expect(await isPortFree(port)).toBe(true);
  expect(busyPortLine("discovery", 8080, "DISCOVERY_PORT", 8090)).toBe(
    "Cannot start discovery: port 8080 is busy (another program listens there). " +
      "Pick another: make dev DISCOVERY_PORT=8090",
  );
});
