/**
 * The real discovery process, as nodes and operators meet it: started with
 * `deno run discovery/main.ts` on port 0 through the shared harness, driven over
 * HTTP. Waits are event-driven with generous deadlines (the machine is shared).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { spawnDiscovery, type SpawnedDiscovery } from "./testing/spawn_discovery.ts";
import { readSse } from "./testing/sse_reader.ts";
import { sleep } from "../common/abortable_sleep.ts";
import { waitUntil } from "../common/testing/wait_until.ts";

const DENO = new URL("../node_modules/deno/deno", import.meta.url).pathname;
const REPO_ROOT = new URL("../", import.meta.url).pathname;

function writer(discovery: SpawnedDiscovery) {
  return async (path: string, body: unknown) => {
    const response = await fetch(`${discovery.url}${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${discovery.clusterSecret}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
}

async function getJson(discovery: SpawnedDiscovery, path: string) {
  const response = await fetch(`${discovery.url}${path}`);
  assert.equal(response.status, 200);
  return await response.json();
}

async function withDiscovery(
  options: Parameters<typeof spawnDiscovery>[0],
  run: (discovery: SpawnedDiscovery) => Promise<void>,
) {
  const discovery = await spawnDiscovery(options);
  try {
    await run(discovery);
  } finally {
    await discovery.stop();
  }
}

Deno.test("main.ts prints its real URL first and answers /healthz", async () => {
  await withDiscovery({}, async (discovery) => {
    assert.match(discovery.stdoutLines()[0], /^listening on http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(discovery.port, 0);
    assert.deepEqual(await getJson(discovery, "/healthz"), { ok: true });
  });
});

Deno.test("main.ts refuses bad flags, and production without a secret", async () => {
  await assert.rejects(
    () => spawnDiscovery({ ttlSeconds: 0 }),
    /Cannot start discovery: it exited[\s\S]*--ttl must be a positive number/,
  );
  const output = await new Deno.Command(DENO, {
    args: ["run", "-A", "discovery/main.ts", "--port", "0", "--kv", ":memory:"],
    cwd: REPO_ROOT,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
      DSATTER_ENV: "production",
      NO_COLOR: "1",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.notEqual(output.code, 0);
  assert.equal(new TextDecoder().decode(output.stdout), "");
  assert.match(new TextDecoder().decode(output.stderr), /DSATTER_CLUSTER_SECRET is not set/);
});

Deno.test("main.ts keeps its KV under DSATTER_DATA_DIR when --kv is not given", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "dsatter-data-" });
  const child = new Deno.Command(DENO, {
    args: ["run", "-A", "discovery/main.ts", "--port", "0", "--host", "127.0.0.1"],
    cwd: REPO_ROOT,
    env: {
      DSATTER_DATA_DIR: dataDir,
      DSATTER_CLUSTER_SECRET: "dsatter-test-secret-0123456789abcdef",
      NO_COLOR: "1",
    },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    assert.match(text, /^listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.ok((await Deno.stat(join(dataDir, "discovery.kv"))).isFile);
    await reader.cancel();
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("main.ts in development creates the cluster secret file once, then reads it", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "dsatter-secret-" });
  /** Starts discovery without DSATTER_CLUSTER_SECRET; resolves once it listens, then stops it. */
  const startAndStop = async () => {
    const child = new Deno.Command(DENO, {
      args: ["run", "-A", "discovery/main.ts", "--port", "0", "--kv", ":memory:"],
      cwd: REPO_ROOT,
      clearEnv: true,
      env: { DSATTER_DATA_DIR: dataDir, NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "" },
      stdout: "piped",
      stderr: "null",
    }).spawn();
    try {
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      const { value } = await reader.read();
      assert.match(value ?? "", /^listening on http:/);
      await reader.cancel();
    } finally {
      child.kill("SIGTERM");
      await child.status;
    }
  };
  try {
    await startAndStop();
    const path = join(dataDir, "cluster-secret");
    const secret = await Deno.readTextFile(path);
    assert.match(secret, /^[0-9a-f]{64}\n$/);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    await startAndStop();
    assert.equal(await Deno.readTextFile(path), secret);
    assert.deepEqual([...Deno.readDirSync(dataDir)].map((entry) => entry.name), ["cluster-secret"]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("main.ts writes nothing but its own lines to stderr around watch streams", async () => {
  const child = new Deno.Command(DENO, {
    args: [
      "run",
      "-A",
      "discovery/main.ts",
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--kv",
      ":memory:",
    ],
    cwd: REPO_ROOT,
    env: { DSATTER_CLUSTER_SECRET: "dsatter-test-secret-0123456789abcdef", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const url = /^listening on (http:\/\/\S+)/.exec(text)?.[1];
    assert.ok(url, text);
    for (let i = 0; i < 3; i++) {
      const watch = readSse(
        await fetch(`${url}/api/nodes/watch`, {
          headers: { authorization: "Bearer dsatter-test-secret-0123456789abcdef" },
        }),
      );
      assert.equal((await watch.next()).event, "snapshot");
      await watch.close();
      assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { ok: true });
    }
  } finally {
    await reader.cancel();
    child.kill("SIGTERM");
    await child.status;
  }
  // A runtime warning (Deno.serve's legacy request.signal abort) would break one-line logs.
  assert.equal(await stderr, "");
});

Deno.test("main.ts says so in one line when its port is taken", async () => {
  await withDiscovery({ host: "127.0.0.1" }, async (first) => {
    await assert.rejects(
      () => spawnDiscovery({ host: "127.0.0.1", port: first.port }),
      new RegExp(`Cannot start discovery: 127\\.0\\.0\\.1:${first.port} is already in use`),
    );
  });
});

/** The TTL of the expiry test: short, yet three heartbeats apart on a loaded machine. */
const TTL_S = 2;

Deno.test("a node that stops heartbeating leaves every list within the TTL, with an expired event", async () => {
  await withDiscovery({ ttlSeconds: TTL_S }, async (discovery) => {
    const post = writer(discovery);
    const { body: { id } } = await post("/api/nodes/register", { password: "pw" });
    const login = () =>
      post("/api/nodes/active/login", { id, password: "pw", syncport: 4100, clientport: 4100 });
    const first = await login();
    assert.equal(first.status, 200);
    assert.equal(first.body.ttl, TTL_S);
    assert.equal(first.body.address, "127.0.0.1");

    const watch = readSse(
      await fetch(`${discovery.url}/api/nodes/watch`, {
        headers: { authorization: `Bearer ${discovery.clusterSecret}` },
      }),
    );
    try {
      const snapshot = await watch.next();
      assert.equal(snapshot.event, "snapshot");
      assert.deepEqual(JSON.parse(snapshot.data).activeNodes.map((n: { id: number }) => n.id), [
        id,
      ]);

      // Heartbeating every ttl/3 for three TTLs keeps it listed throughout. The beats keep
      // their period (each is due ttl/3 after the last was due, however long the checks in
      // between took), as a node's heartbeat timer does.
      const periodMs = (TTL_S * 1000) / 3;
      const keepUntil = Date.now() + 3 * TTL_S * 1000;
      let dueMs = Date.now();
      while (Date.now() < keepUntil) {
        await login();
        const listed = await getJson(discovery, "/api/nodes/active");
        assert.deepEqual(listed.activeNodes.map((n: { id: number }) => n.id), [id]);
        dueMs += periodMs;
        await sleep(Math.max(0, dueMs - Date.now())); // the heartbeat period under test
      }

      const lastHeartbeatMs = Date.now();
      await login();
      await waitUntil(async () => {
        const clients = await getJson(discovery, "/api/clients");
        return clients.activeNodes.length === 0;
      }, { what: "the node leave /api/clients", deadlineMs: 20_000, pollMs: 50 });
      const goneAfterMs = Date.now() - lastHeartbeatMs;
      // The deadline is exactly one TTL after the last heartbeat; allow for a loaded machine.
      assert.ok(goneAfterMs < TTL_S * 1000 + 1500, `left after ${goneAfterMs} ms`);
      assert.deepEqual((await getJson(discovery, "/api/nodes/active")).activeNodes, []);

      const expired = await watch.next();
      assert.equal(expired.event, "expired");
      assert.equal(JSON.parse(expired.data).id, id);
      await discovery.waitForStdoutLine(new RegExp(`^node expired id=${id} `));
    } finally {
      await watch.close();
    }
  });
});

Deno.test("the watch stream reports joins and leaves of other nodes within a second", async () => {
  await withDiscovery({ verbose: true }, async (discovery) => {
    const post = writer(discovery);
    const watch = readSse(
      await fetch(`${discovery.url}/api/nodes/watch`, {
        headers: { authorization: `Bearer ${discovery.clusterSecret}` },
      }),
    );
    try {
      assert.deepEqual(JSON.parse((await watch.next()).data), { activeNodes: [] });
      const { body: { id } } = await post("/api/nodes/register", { password: "pw" });
      const loginAtMs = Date.now();
      await post("/api/nodes/active/login", {
        id,
        password: "pw",
        syncport: 4200,
        clientport: 4200,
        address: "node-a.local",
        load: 2,
        region: "eu",
      });
      const joined = await watch.next();
      assert.equal(joined.event, "joined");
      assert.deepEqual(JSON.parse(joined.data), {
        id,
        address: "node-a.local",
        syncport: 4200,
        clientport: 4200,
        load: 2,
        region: "eu",
      });
      assert.ok(Date.now() - loginAtMs < 5000);
      await post("/api/nodes/active/logout", { id, password: "pw" });
      const left = await watch.next();
      assert.equal(left.event, "left");
      assert.equal(JSON.parse(left.data).id, id);
    } finally {
      await watch.close();
    }
    // The server notices the client going away and releases the stream.
    await discovery.waitForStdoutLine(/^debug: watch stream closed/);
  });
});

Deno.test("a restart on the same KV file keeps ids and registrations, after SIGTERM and SIGKILL", async () => {
  const dir = await Deno.makeTempDir({ prefix: "discovery_restart_" });
  const kvPath = join(dir, "nested", "discovery.kv");
  const clusterSecret = "restart-test-secret-0123456789";
  try {
    let ids: number[] = [];
    await withDiscovery({ kv: kvPath, clusterSecret }, async (discovery) => {
      const post = writer(discovery);
      for (const password of ["pw-a", "pw-b"]) {
        ids.push((await post("/api/nodes/register", { password })).body.id);
      }
      assert.deepEqual(ids, [1, 2]);
    });
    for (const stopWith of ["SIGKILL", "end"] as const) {
      const discovery = await spawnDiscovery({ kv: kvPath, clusterSecret });
      try {
        const post = writer(discovery);
        const login = await post("/api/nodes/active/login", {
          id: ids[0],
          password: "pw-a",
          syncport: 4300,
          clientport: 4300,
        });
        assert.equal(login.status, 200);
        const wrong = await post("/api/nodes/active/login", {
          id: ids[1],
          password: "pw-a",
          syncport: 4300,
          clientport: 4300,
        });
        assert.equal(wrong.status, 401);
        const fresh = (await post("/api/nodes/register", { password: "pw-c" })).body.id;
        assert.ok(!ids.includes(fresh), `id ${fresh} was handed out before`);
        ids = [...ids, fresh];
        if (stopWith === "SIGKILL") await discovery.kill("SIGKILL");
      } finally {
        await discovery.stop();
      }
    }
    assert.deepEqual(ids, [1, 2, 3, 4]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a burst of 50 concurrent registrations gets 50 distinct ids", async () => {
  await withDiscovery({}, async (discovery) => {
    const post = writer(discovery);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => post("/api/nodes/register", { password: `pw-${i}` })),
    );
    for (const answer of answers) assert.equal(answer.status, 200);
    const ids = answers.map((answer) => answer.body.id);
    assert.equal(new Set(ids).size, 50);
    for (const id of ids) assert.ok(Number.isSafeInteger(id) && id > 0);
  });
});

Deno.test("SIGTERM ends open watch streams and exits 0; stop() is idempotent", async () => {
  const discovery = await spawnDiscovery();
  try {
    const watch = readSse(
      await fetch(`${discovery.url}/api/nodes/watch`, {
        headers: { authorization: `Bearer ${discovery.clusterSecret}` },
      }),
    );
    assert.equal((await watch.next()).event, "snapshot");
    const exit = await discovery.stop();
    assert.deepEqual(exit, { code: 0, signal: null });
    await assert.rejects(() => watch.next(), /stream ended|error|closed/i);
    await watch.close();
    assert.deepEqual(await discovery.stop(), exit);
    await assert.rejects(() => fetch(`${discovery.url}/healthz`));
  } finally {
    await discovery.kill();
  }
});
