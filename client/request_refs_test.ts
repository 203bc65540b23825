import { test } from "node:test";
import assert from "node:assert/strict";
import { RequestRefs } from "./request_refs.ts";

test("RequestRefs.take() answers each ref once", () => {
  const refs = new RequestRefs();
  const history = refs.create("history");
  const create = refs.create("create");
  assert.notEqual(history, create);
  assert.equal(refs.take(create), "create");
  assert.equal(refs.take(create), undefined);
  assert.equal(refs.take(undefined), undefined);
  assert.equal(refs.take(history), "history");
});

test("RequestRefs.takeOldestSync() skips chat creations, for replies without a ref", () => {
  const refs = new RequestRefs();
  refs.create("create");
  refs.create("resume");
  refs.create("older");
  assert.equal(refs.takeOldestSync(), "resume");
  assert.equal(refs.takeOldestSync(), "older");
  assert.equal(refs.takeOldestSync(), undefined);
  refs.create("history");
  refs.clear();
  assert.equal(refs.takeOldestSync(), undefined);
});
