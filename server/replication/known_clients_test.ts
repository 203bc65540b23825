import { describe, expect, test } from "bun:test";
import { KNOWN_CLIENTS_MAX, KnownClients } from "./known_clients.ts";

describe("KnownClients", () => {
  test("remember() keeps every node once, also after it left the live list, up to the bound", () => {
    const known = new KnownClients();
    known.remember([{ address: "10.0.0.6", clientport: 3002 }]);
    known.remember([{ address: "10.0.0.7", clientport: 3003 }, {
      address: "10.0.0.6",
      clientport: 3002,
    }]);
    known.remember([]);
    expect(known.list()).toEqual([
      { address: "10.0.0.6", clientport: 3002 },
      { address: "10.0.0.7", clientport: 3003 },
    ]);
    const many = Array.from({ length: KNOWN_CLIENTS_MAX + 10 }, (_, i) => ({
      address: `10.1.${i >> 8}.${i & 255}`,
      clientport: 1,
    }));
    known.remember(many);
    expect(known.list().length).toBe(KNOWN_CLIENTS_MAX);
  });
});
