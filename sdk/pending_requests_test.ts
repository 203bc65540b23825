import { test } from "node:test";
import assert from "node:assert/strict";
import { PendingRequests } from "./pending_requests.ts";

test("PendingRequests.take() answers each ref once", () => {
  const requests = new PendingRequests();
  const history = requests.create("history");
  const create = requests.create("create");
  assert.notEqual(history, create);
  assert.equal(requests.take(create)?.purpose, "create");
  assert.equal(requests.take(create), undefined);
  assert.equal(requests.take(undefined), undefined);
  assert.equal(requests.take(history)?.purpose, "history");
});

test("PendingRequests.takeOldestSync() skips other requests, for replies without a ref", () => {
  const requests = new PendingRequests();
  requests.create("create");
  requests.create("resume");
  requests.create("page");
  assert.equal(requests.takeOldestSync()?.purpose, "resume");
  assert.equal(requests.takeOldestSync()?.purpose, "page");
  assert.equal(requests.takeOldestSync(), undefined);
});

test("PendingRequests.rejectAll() tells every waiting request, once", () => {
  const requests = new PendingRequests();
  const failures: string[] = [];
  const callbacks = { onReply() {}, onFailure: (error: Error) => failures.push(error.message) };
  requests.create("chats", callbacks);
  requests.create("presence", callbacks);
  requests.create("history");
  requests.rejectAll(new Error("gone"));
  requests.rejectAll(new Error("again"));
  assert.deepEqual(failures, ["gone", "gone"]);
  assert.equal(requests.takeOldestSync(), undefined);
});
