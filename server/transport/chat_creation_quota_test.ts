import { expect, test } from "bun:test";
import { ChatCreationQuota } from "./chat_creation_quota.ts";

test("ChatCreationQuota.admit() holds each connection to its quota per minute", () => {
  let now = 0;
  const quota = new ChatCreationQuota({
    perConnectionPerMinute: 2,
    perNodePerMinute: 100,
    nowMs: () => now,
  });
  const mine = quota.connectionBucket();
  expect(quota.admit(mine).ok).toBe(true);
  expect(quota.admit(mine).ok).toBe(true);
  const refused = quota.admit(mine);
  expect(refused.ok === false && refused.scope).toBe("connection");
  expect(refused.ok === false && refused.retryAfterSeconds).toBe(30);
  expect(quota.admit(quota.connectionBucket()).ok).toBe(true); // another connection
  now += 30_000;
  expect(quota.admit(mine).ok).toBe(true);
});

test("ChatCreationQuota.admit() holds the node to its quota, taking nothing on refusal", () => {
  let now = 0;
  const quota = new ChatCreationQuota({
    perConnectionPerMinute: 10,
    perNodePerMinute: 3,
    nowMs: () => now,
  });
  const buckets = [0, 1, 2, 3].map(() => quota.connectionBucket());
  expect(buckets.slice(0, 3).map((b) => quota.admit(b).ok)).toEqual([true, true, true]);
  const refused = quota.admit(buckets[3]);
  expect(refused.ok === false && refused.scope).toBe("node");
  expect(buckets[3].isFull()).toBe(true); // the refusal took nothing from the connection
  now += 20_000;
  expect(quota.admit(buckets[3]).ok).toBe(true);
  expect(() => new ChatCreationQuota({ perConnectionPerMinute: 0, perNodePerMinute: 1 }))
    .toThrow(RangeError);
});
