import { test } from "node:test";
import assert from "node:assert/strict";
import { createPresenceRoster } from "./presence_roster.ts";

test("createPresenceRoster() shows a name once until its last connection left", () => {
  const roster = createPresenceRoster();
  roster.reset([{ name: "zoe", nodeId: 1 }, { name: "ann", nodeId: 1 }, {
    name: "ann",
    nodeId: 2,
  }]);
  assert.deepEqual(roster.names(), ["ann", "zoe"]);
  roster.apply({ name: "ann", nodeId: 1, online: false });
  assert.deepEqual(roster.names(), ["ann", "zoe"]);
  roster.apply({ name: "ann", nodeId: 2, online: false });
  roster.apply({ name: "ann", nodeId: 2, online: false });
  assert.deepEqual(roster.names(), ["zoe"]);
  roster.apply({ name: "bob", nodeId: 3, online: true });
  roster.apply({ name: "bob", nodeId: 3, online: true });
  roster.apply({ name: "bob", nodeId: 3, online: false });
  assert.deepEqual(roster.names(), ["bob", "zoe"]);
  roster.reset([]);
  assert.deepEqual(roster.names(), []);
});
