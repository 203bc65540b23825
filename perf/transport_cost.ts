/**
 * `make perf-model` (`bun perf/transport_cost.ts`): what one message costs to
 * replicate on the mesh and on the NATS backbone, measured from outside on real
 * clusters of 3 and 5 nodes (CPU time of every node process and of the
 * nats-server from /proc, bytes from the nodes' `dsatter_replication_bytes_*`
 * gauges), then the model for N = 3..50 (perf/transport_model.ts) with the
 * crossover points. Sends only to loopback; prints JSON lines and a Markdown table.
 *
 * Invariant: every process it starts is stopped, even when a run fails.
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { type PerfCluster, type PerfNode, startLocalCluster, waitForMesh } from "./perf_cluster.ts";
import { buildModel, type TransportSample } from "./transport_model.ts";

const CLOCK_TICKS_PER_SECOND = 100;
const CHAT = 9300;

/** CPU ms (user + system) a process has used so far. */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

async function metric(node: PerfNode, name: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const match = new RegExp(`^${name} ([0-9.e+]+)$`, "m").exec(text);
  return match ? Number(match[1]) : 0;
}

/** Sends `count` messages to one node, at most `window` unacknowledged; resolves when all acked. */
async function sendAcked(node: PerfNode, count: number, tag: string, window = 500): Promise<void> {
  const ws = new WebSocket(node.wsUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let sent = 0;
  let acked = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (sent < count && sent - acked < window) {
        ws.send(JSON.stringify({
          type: "newMessageFromClient",
          payload: {
            chatId: CHAT,
            sender: "model",
            text: `${tag} ${sent}`,
            clientMsgId: `${tag}-${sent}`,
          },
        }));
        sent += 1;
      }
    };
    ws.onmessage = (event) => {
      if (!String(event.data).includes('"clientMessageResponse"')) return;
      acked += 1;
      if (acked === count) resolve();
      else pump();
    };
    pump();
  });
  ws.close();
}

async function waitStored(nodes: readonly PerfNode[], total: number, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const stored = await Promise.all(nodes.map((n) => metric(n, "dsatter_messages_stored_total")));
    if (stored.every((s) => s >= total)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Cannot see ${total} messages stored on every node`);
}

async function measure(
  transport: "mesh" | "nats",
  size: number,
  messages: number,
): Promise<TransportSample> {
  const cluster: PerfCluster = await startLocalCluster({
    nodes: size,
    backbone: transport === "nats",
    rateLimit: 1_000_000,
  });
  try {
    await waitForMesh(cluster.nodes, { timeoutMs: 60_000 });
    const warmUp = 200;
    await sendAcked(cluster.nodes[0], warmUp, "warm");
    await waitStored(cluster.nodes, warmUp);
    const pids = cluster.nodes.map((n) => n.pid);
    const sent = (n: PerfNode) => metric(n, "dsatter_replication_bytes_sent");
    const received = (n: PerfNode) => metric(n, "dsatter_replication_bytes_received");
    const before = {
      cpu: pids.map(cpuMs),
      nats: cpuMs(cluster.natsPid),
      sent: await Promise.all(cluster.nodes.map(sent)),
      received: await Promise.all(cluster.nodes.map(received)),
    };
    await sendAcked(cluster.nodes[0], messages, "run");
    await waitStored(cluster.nodes, warmUp + messages);
    const after = {
      cpu: pids.map(cpuMs),
      nats: cpuMs(cluster.natsPid),
      sent: await Promise.all(cluster.nodes.map(sent)),
      received: await Promise.all(cluster.nodes.map(received)),
    };
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const sentBytes = after.sent.map((v, i) => v - before.sent[i]);
    const receivedBytes = after.received.map((v, i) => v - before.received[i]);
    const wire = transport === "mesh" ? sum(sentBytes) : sum(sentBytes) + sum(receivedBytes);
    return {
      transport,
      nodes: size,
      messages,
      nodeCpuMsPerMessage: sum(after.cpu.map((v, i) => v - before.cpu[i])) / messages,
      natsCpuMsPerMessage: (after.nats - before.nats) / messages,
      wireBytesPerMessage: wire / messages,
      originBytesPerMessage: sentBytes[0] / messages,
    };
  } finally {
    await cluster.stop();
  }
}

function table(model: ReturnType<typeof buildModel>): string {
  const lines = [
    "| N | links mesh | links backbone | CPU ms/msg mesh | CPU ms/msg backbone | wire B/msg mesh | wire B/msg backbone | origin B/msg mesh | origin B/msg backbone |",
    "| -: | -: | -: | -: | -: | -: | -: | -: | -: |",
  ];
  for (const r of model.rows) {
    lines.push(
      `| ${r.nodes} | ${r.meshLinks} | ${r.backboneLinks} | ${r.meshCpuMs.toFixed(3)} | ${
        r.backboneCpuMs.toFixed(3)
      } | ${Math.round(r.meshWireBytes)} | ${Math.round(r.backboneWireBytes)} | ${
        Math.round(r.meshOriginBytes)
      } | ${Math.round(r.backboneOriginBytes)} |`,
    );
  }
  return lines.join("\n");
}

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "5000" },
    sizes: { type: "string", default: "3,5" },
  },
});
const messages = Number(values.messages);
const sizes = values.sizes!.split(",").map(Number);
const samples: TransportSample[] = [];
for (const transport of ["mesh", "nats"] as const) {
  for (const size of sizes) {
    const sample = await measure(transport, size, messages);
    samples.push(sample);
    console.log(JSON.stringify(sample));
  }
}
const model = buildModel(samples, [3, 5, 10, 20, 30, 40, 50]);
console.log("");
console.log(table(model));
console.log("");
console.log(
  `crossover (backbone cheaper from N =): CPU ${model.cpuCrossover ?? "never (up to 1000)"}, ` +
    `wire bytes ${model.wireBytesCrossover ?? "never (up to 1000)"}, origin bytes ${
      model.originBytesCrossover ?? "never (up to 1000)"
    }`,
);
process.exit(0);
