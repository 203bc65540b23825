import { describe, expect, test } from "bun:test";
import { meshTimingFromEnv } from "./mesh_timing.ts";

describe("meshTimingFromEnv()", () => {
  test("reads both knobs as positive integers", () => {
    const env: Record<string, string> = {
      DSATTER_SYNC_INTERVAL_MS: "250",
      DSATTER_PEER_TIMEOUT_MS: "4000",
    };
    expect(meshTimingFromEnv((name) => env[name])).toEqual({
      syncIntervalMs: 250,
      peerTimeoutMs: 4000,
    });
  });

  test("treats unset, zero, negative and non-numeric values as unset", () => {
    for (const value of [undefined, "", "0", "-5", "abc", "1.5"]) {
      expect(meshTimingFromEnv(() => value)).toEqual({
        syncIntervalMs: undefined,
        peerTimeoutMs: undefined,
      });
    }
  });
});
