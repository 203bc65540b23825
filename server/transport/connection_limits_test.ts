import { describe, expect, test } from "bun:test";
import { addressLimitKey, ConnectionLimits } from "./connection_limits.ts";

describe("ConnectionLimits", () => {
  test("admit() refuses past the per-address cap with 429 and admits again after a release", () => {
    const limits = new ConnectionLimits({ maxTotal: 100, maxPerAddress: 2 });
    const first = limits.admit("10.0.0.1");
    expect(first).toEqual({ ok: true, key: "10.0.0.1" });
    expect(limits.admit("::ffff:10.0.0.1").ok).toBe(true);
    const refused = limits.admit("10.0.0.1");
    expect(refused.ok === false && refused.status).toBe(429);
    expect(refused.ok === false && refused.reason).toBe("per_address");
    expect(limits.admit("10.0.0.2").ok).toBe(true); // another address has its own count
    limits.release(first.ok ? first.key : undefined);
    expect(limits.admit("10.0.0.1").ok).toBe(true);
    expect(limits.total).toBe(3);
  });

  test("admit() refuses past the total with 503, loopback included", () => {
    const limits = new ConnectionLimits({ maxTotal: 2, maxPerAddress: 1 });
    expect(limits.admit("127.0.0.1")).toEqual({ ok: true, key: undefined });
    expect(limits.admit("127.0.0.1").ok).toBe(true); // loopback: exempt from the per-address cap
    const refused = limits.admit("10.1.1.1");
    expect(refused.ok === false && [refused.status, refused.reason]).toEqual([503, "total"]);
    limits.release(undefined);
    expect(limits.admit("10.1.1.1").ok).toBe(true);
  });

  test("limitLoopback applies the per-address cap to loopback too", () => {
    const limits = new ConnectionLimits({ maxTotal: 10, maxPerAddress: 1, limitLoopback: true });
    expect(limits.admit("127.0.0.1").ok).toBe(true);
    expect(limits.admit("127.0.0.1").ok).toBe(false);
    expect(limits.admit("::1").ok).toBe(true);
    expect(limits.countOf("127.0.0.1")).toBe(1);
  });

  test("release() never goes below zero and forgets an address at zero", () => {
    const limits = new ConnectionLimits({ maxTotal: 10, maxPerAddress: 5 });
    limits.release("10.0.0.9");
    limits.release(undefined);
    expect(limits.total).toBe(0);
    const admitted = limits.admit("10.0.0.9");
    limits.release(admitted.ok ? admitted.key : undefined);
    expect(limits.countOf("10.0.0.9")).toBe(0);
    expect(() => new ConnectionLimits({ maxTotal: 0, maxPerAddress: 1 })).toThrow(RangeError);
  });
});

test("addressLimitKey() is the IPv4 address or the IPv6 /64", () => {
  const cases: Array<[string, string]> = [
    ["10.0.0.1", "10.0.0.1"],
    ["::ffff:10.0.0.1", "10.0.0.1"],
    ["2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"],
    ["2001:DB8:1:2:bbbb:cccc:dddd:eeee", "2001:db8:1:2::/64"],
    ["[2001:db8::5]", "2001:db8:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["64:ff9b::1.2.3.4", "64:ff9b:0:0::/64"],
  ];
  for (const [address, key] of cases) expect(addressLimitKey(address)).toBe(key);
});
