import { describe, expect, test } from "bun:test";
import type { ActiveNode } from "../../common/discovery_protocol.ts";
import { silentLogger } from "../../common/logger.ts";
import { mixedClusterMessage, TransportGuard } from "./transport_guard.ts";

const node = (id: number, transport?: "mesh" | "nats"): ActiveNode => ({
  id,
  address: "127.0.0.1",
  syncport: 3000 + id,
  clientport: 3000 + id,
  load: 0,
  ...(transport ? { transport } : {}),
});

describe("TransportGuard", () => {
  test("admit() fails a start whose first list holds a node of the other transport", () => {
    const refusals: string[] = [];
    const guard = new TransportGuard({
      mine: "nats",
      log: silentLogger,
      onMixedStart: (message) => refusals.push(message),
    });
    expect(guard.admit([node(1, "nats"), node(2)])).toEqual([node(1, "nats")]);
    expect(refusals).toEqual([mixedClusterMessage("nats", node(2))]);
    expect(refusals[0]).toContain("node 2");
    expect(refusals[0]).toContain("the mesh");
    guard.admit([node(2), node(3, "mesh")]);
    expect(refusals.length).toBe(1);
  });

  test("admit() only filters and logs when the other kind shows up after the start", () => {
    const refusals: string[] = [];
    const errors: string[] = [];
    const guard = new TransportGuard({
      mine: "mesh",
      log: { ...silentLogger, error: (event) => errors.push(event) },
      onMixedStart: (message) => refusals.push(message),
    });
    expect(guard.admit([node(1)])).toEqual([node(1)]);
    expect(guard.admit([node(1), node(5, "nats")])).toEqual([node(1)]);
    expect(guard.admit([node(1), node(5, "nats")])).toEqual([node(1)]);
    expect(refusals).toEqual([]);
    expect(errors).toEqual(["node of another transport refused"]);
  });
});
