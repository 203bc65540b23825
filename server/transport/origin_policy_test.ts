import { describe, expect, test } from "bun:test";
import { createOriginPolicy, loopbackHostCheck } from "./origin_policy.ts";

const policy = createOriginPolicy({
  allowedOrigins: ["https://chat.example.com", "http://LOCALHOST:5173/"],
  self: () => ({ address: "10.0.0.5", clientport: 3001 }),
  peers: () => [{ address: "10.0.0.6", clientport: 3002 }, {
    address: "127.0.0.1",
    clientport: 3003,
  }],
});

describe("origin_policy", () => {
  test("createOriginPolicy() allows no Origin, own, cluster and listed origins only", () => {
    const cases: Array<[string | null, string | null, boolean]> = [
      [null, "10.0.0.5:3001", true],
      ["http://10.0.0.5:3001", "10.0.0.5:3001", true],
      ["https://10.0.0.5:3001", null, true],
      ["http://chat.local:3001", "chat.local:3001", true],
      ["http://10.0.0.6:3002", "10.0.0.5:3001", true],
      ["http://localhost:3003", "10.0.0.5:3001", true],
      ["http://[::1]:3003", "10.0.0.5:3001", true],
      ["https://chat.example.com", "10.0.0.5:3001", true],
      ["http://localhost:5173", "10.0.0.5:3001", true],
      ["https://evil.example", "10.0.0.5:3001", false],
      ["http://10.0.0.6:3001", "10.0.0.5:3001", false],
      ["http://10.0.0.5:3002", "10.0.0.5:3001", false],
      ["null", "10.0.0.5:3001", false],
      ["file://", "10.0.0.5:3001", false],
      ["not an origin", "10.0.0.5:3001", false],
      ["http://evil.example", "10.0.0.5:3001", false],
    ];
    for (const [origin, host, expected] of cases) {
      expect([origin, host, policy.allowsUpgrade(origin, host)]).toEqual([origin, host, expected]);
    }
  });

  test("createOriginPolicy() with * allows any origin", () => {
    const open = createOriginPolicy({
      allowedOrigins: ["*"],
      self: () => ({ address: "a", clientport: 1 }),
      peers: () => [],
    });
    expect(open.allowsUpgrade("https://evil.example", "a:1")).toBe(true);
  });

  test("loopbackHostCheck() guards loopback binds only, against rebinding names", () => {
    expect(loopbackHostCheck("0.0.0.0", "10.0.0.5")).toBeUndefined();
    expect(loopbackHostCheck("10.0.0.5", "10.0.0.5")).toBeUndefined();
    const check = loopbackHostCheck("127.0.0.1", "chat.internal")!;
    const cases: Array<[string | null, boolean]> = [
      ["127.0.0.1:3001", true],
      ["localhost:3001", true],
      ["[::1]:3001", true],
      ["chat.internal:3001", true],
      [null, true],
      ["evil.example:3001", false],
      ["localhost.evil.example", false],
      ["10.0.0.5:3001", false],
    ];
    for (const [host, expected] of cases) expect([host, check(host)]).toEqual([host, expected]);
  });
});
