/**
 * Harness for the container test: drives the real `make images|up|down|delete-*` targets
 * on a compose project of its own (name, image tag, secrets file and published ports all
 * unique to this process), so it runs beside a developer's `make up` without touching it.
 *
 * Invariant: cleanup() removes every container, network, volume, image tag and file this
 * harness made (the cached base image stays), and may be called any number of times.
 * @module
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { REPO_ROOT } from "../../server/testing/spawn_node.ts";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ComposeCluster {
  project: string;
  /** Published ports on 127.0.0.1. */
  discoveryPort: number;
  nodePorts: [number, number, number];
  /** `make TARGET` with this cluster's settings; throws with its output when it fails. */
  make(target: string): Promise<string>;
  /** The engine's CLI (`deploy/containers.sh engine ...`). */
  engine(...args: string[]): Promise<CommandResult>;
  /** The id of a service's container (discovery, node1..node3). */
  containerOf(service: string): Promise<string>;
  /** The secrets file's values (made by the first `make up`). */
  secrets(): Record<string, string>;
  cleanup(): Promise<void>;
}

/** Runs a command to its end, collecting its output. */
export async function runCommand(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): Promise<CommandResult> {
  const child = Bun.spawn(argv, { cwd: REPO_ROOT, env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

/** Ports free on 127.0.0.1 right now (the OS picks them; closed again before use). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** `NAME=value` lines of an env file. */
function readEnvFile(path: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line);
    if (match) values[match[1]] = match[2];
  }
  return values;
}

export async function createComposeCluster(): Promise<ComposeCluster> {
  const [discoveryPort, ...nodePorts] = await freePorts(4);
  const project = `dsatter-test-${process.pid}`;
  const secretsDir = mkdtempSync(join(tmpdir(), "dsatter-compose-"));
  const envFile = join(secretsDir, "secrets.env");
  const env: Record<string, string | undefined> = {
    ...process.env,
    MAKEFLAGS: undefined, // a nested make must not inherit `make test`'s jobserver
    MFLAGS: undefined,
    DSATTER_COMPOSE_PROJECT: project,
    DSATTER_IMAGE_TAG: `test-${process.pid}`,
    DSATTER_ENV_FILE: envFile,
    DSATTER_PUBLISH_ADDRESS: "127.0.0.1",
    DSATTER_PUBLIC_HOST: "127.0.0.1",
    DSATTER_DISCOVERY_PORT: String(discoveryPort),
    DSATTER_NODE1_PORT: String(nodePorts[0]),
    DSATTER_NODE2_PORT: String(nodePorts[1]),
    DSATTER_NODE3_PORT: String(nodePorts[2]),
  };

  async function make(target: string): Promise<string> {
    const result = await runCommand(["make", "--no-print-directory", target], env);
    if (result.code !== 0) {
      throw new Error(
        `Cannot make ${target} (exit ${result.code}):\n${result.stdout}${result.stderr}`,
      );
    }
    return result.stdout;
  }

  function engine(...args: string[]): Promise<CommandResult> {
    return runCommand(["deploy/containers.sh", "engine", ...args], env);
  }

  return {
    project,
    discoveryPort,
    nodePorts: nodePorts as [number, number, number],
    make,
    engine,
    async containerOf(service) {
      const found = await engine(
        "ps",
        "-q",
        "--filter",
        `label=com.docker.compose.project=${project}`,
        "--filter",
        `label=com.docker.compose.service=${service}`,
      );
      const id = found.stdout.trim().split("\n")[0];
      if (!id) throw new Error(`Cannot find the running container of ${service}`);
      return id;
    },
    secrets: () => readEnvFile(envFile),
    async cleanup() {
      const errors: string[] = [];
      for (const target of ["delete-volumes", "delete-images"]) {
        await make(target).catch((error) => errors.push(String(error)));
      }
      // Anything a failed step left behind (containers of this project), removed by force.
      const left = await engine(
        "ps",
        "-a",
        "-q",
        "--filter",
        `label=com.docker.compose.project=${project}`,
      );
      const ids = left.stdout.trim().split("\n").filter(Boolean);
      if (ids.length > 0) await engine("rm", "-f", ...ids);
      rmSync(secretsDir, { recursive: true, force: true });
      if (errors.length > 0) throw new Error(`Cannot clean up fully:\n${errors.join("\n")}`);
    },
  };
}
