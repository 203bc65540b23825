/**
 * The Deno Deploy entry point, run the way Deploy runs it: from the bundle that
 * deploy_bundle.ts writes into an empty folder (no node_modules, no package.json: `hono`
 * comes from the npm registry through the bundle's import map), `deno run -A` on
 * `discovery/deploy.ts`, DENO_DEPLOYMENT_ID set, settings from the environment only.
 */

import assert from "node:assert/strict";
import { waitUntil } from "../common/testing/wait_until.ts";
import { readSse } from "./testing/sse_reader.ts";
import { writeDeployBundle } from "./deploy_bundle.ts";

const DENO = Deno.execPath();
const SECRET = "deploy-test-secret-0123456789abcdef";
const PACKAGE_JSON = new URL("../package.json", import.meta.url);

/** One Deno cache for the whole file, so hono is fetched from npm once; removed at exit. */
const denoDir = Deno.makeTempDirSync({ prefix: "discovery_deploy_cache_" });
globalThis.addEventListener("unload", () => Deno.removeSync(denoDir, { recursive: true }));

async function withBundle(run: (bundleDir: string) => Promise<void>): Promise<void> {
  const bundleDir = await Deno.makeTempDir({ prefix: "discovery_deploy_bundle_" });
  try {
    await writeDeployBundle(bundleDir);
    await run(bundleDir);
  } finally {
    await Deno.remove(bundleDir, { recursive: true });
  }
}

interface RunningEntry {
  url: string;
  stdoutText(): string;
}

/** Starts `deno run -A discovery/deploy.ts` in the bundle, runs `use`, stops it. */
async function withDeployEntry(
  bundleDir: string,
  env: Record<string, string>,
  use: (entry: RunningEntry) => Promise<void>,
): Promise<void> {
  const child = new Deno.Command(DENO, {
    args: ["run", "-A", "discovery/deploy.ts"],
    cwd: bundleDir,
    env: {
      DENO_DIR: denoDir,
      NO_COLOR: "1",
      PORT: "0",
      DENO_DEPLOYMENT_ID: "test-deployment-7",
      DSATTER_CLUSTER_SECRET: "",
      DSATTER_KV_PATH: "",
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stdout = "";
  let stderr = "";
  const collecting = Promise.all([
    child.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (chunk) => void (stdout += chunk) }),
    ),
    child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (chunk) => void (stderr += chunk) }),
    ),
  ]).catch(() => {});
  try {
    let match: RegExpExecArray | null = null;
    await waitUntil(() => (match = /listening on (http:\/\/[^\s]+)/.exec(stdout)) !== null, {
      what: "deploy.ts listen",
      deadlineMs: 60_000, // the first run downloads hono from npm
      pollMs: 50,
    }).catch((error) => {
      throw new Error(`${error.message}; stderr:\n${stderr}`);
    });
    await use({ url: match![1], stdoutText: () => stdout });
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    await collecting;
  }
}

async function registerAndLogin(url: string, clientport: number): Promise<number> {
  const headers = { authorization: `Bearer ${SECRET}` };
  const register = await fetch(`${url}/api/nodes/register`, {
    method: "POST",
    headers,
    body: JSON.stringify({ password: "pw" }),
  });
  assert.equal(register.status, 200);
  const { id } = await register.json();
  const login = await fetch(`${url}/api/nodes/active/login`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      id,
      password: "pw",
      syncport: clientport,
      clientport,
      address: "node.example",
    }),
  });
  assert.equal(login.status, 200);
  assert.equal((await login.json()).ttl, 5);
  return id;
}

Deno.test("writeDeployBundle() writes the entry's modules and an import map, nothing else", async () => {
  await withBundle(async (bundleDir) => {
    const files: string[] = [];
    for await (const top of Deno.readDir(bundleDir)) {
      if (top.isFile) files.push(top.name);
      else {for await (const inner of Deno.readDir(`${bundleDir}/${top.name}`)) {
          files.push(`${top.name}/${inner.name}`);
        }}
    }
    assert.ok(files.includes("deno.jsonc") && files.includes("discovery/deploy.ts"));
    assert.ok(files.includes("discovery/app.ts") && files.includes("common/discovery_protocol.ts"));
    assert.deepEqual(
      files.filter((f) => /_test\.ts$|testing|node_modules|package\.json/.test(f)),
      [],
    );
    // The import map pins hono at exactly the version the repository installs.
    const pinned = JSON.parse(await Deno.readTextFile(PACKAGE_JSON)).dependencies.hono;
    const config = await Deno.readTextFile(`${bundleDir}/deno.jsonc`);
    assert.match(config, new RegExp(`"hono": "npm:hono@${pinned.replaceAll(".", "\\.")}"`));
  });
});

Deno.test("deploy.ts serves from the bundle with no node_modules: register, login, /api/clients", async () => {
  await withBundle(async (bundleDir) => {
    const env = {
      DSATTER_CLUSTER_SECRET: SECRET,
      DSATTER_DISCOVERY_TTL: "5",
      DSATTER_KV_PATH: ":memory:",
    };
    await withDeployEntry(bundleDir, env, async ({ url, stdoutText }) => {
      assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { ok: true });
      const id = await registerAndLogin(url, 4500);
      const clients = await (await fetch(`${url}/api/clients`)).json();
      assert.deepEqual(clients, { activeNodes: [{ address: "node.example", clientport: 4500 }] });
      const watch = readSse(
        await fetch(`${url}/api/nodes/watch`, { headers: { authorization: `Bearer ${SECRET}` } }),
      );
      try {
        const snapshot = JSON.parse((await watch.next()).data);
        assert.deepEqual(snapshot.activeNodes.map((node: { id: number }) => node.id), [id]);
      } finally {
        await watch.close();
      }
      assert.match(stdoutText(), /"event":"discovery ready".*"deployment":"test-deployment-7"/);
    });
    await Deno.stat(`${bundleDir}/node_modules`).then(
      () => assert.fail("the run made a node_modules folder"),
      (error) => assert.ok(error instanceof Deno.errors.NotFound),
    );
  });
});

Deno.test("deploy.ts opens KV without a path when DSATTER_KV_PATH is unset, and keeps it", async () => {
  await withBundle(async (bundleDir) => {
    const env = { DSATTER_CLUSTER_SECRET: SECRET, DSATTER_DISCOVERY_TTL: "5" };
    const ids: number[] = [];
    for (let run = 0; run < 2; run++) {
      await withDeployEntry(bundleDir, env, async ({ url, stdoutText }) => {
        ids.push(await registerAndLogin(url, 4600 + run));
        assert.match(stdoutText(), /"kv":"default \(Deno.openKv without a path\)"/);
      });
    }
    assert.deepEqual(ids, [1, 2]); // the second run found the first one's node in the same KV
  });
});

Deno.test("deploy.ts answers 503 with a reason when the secret is missing or shorter than production allows", async () => {
  await withBundle(async (bundleDir) => {
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /DSATTER_CLUSTER_SECRET is not set/],
      // 16 characters: enough for a development start, not for production (Deploy is one).
      [{ DSATTER_CLUSTER_SECRET: "0123456789abcdef" }, /16 characters, fewer than 32/],
    ];
    for (const [env, reason] of cases) {
      await withDeployEntry(bundleDir, { DSATTER_KV_PATH: ":memory:", ...env }, async ({ url }) => {
        const response = await fetch(`${url}/api/nodes/active`);
        assert.equal(response.status, 503);
        assert.match((await response.json()).error, reason);
      });
    }
  });
});
