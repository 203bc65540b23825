import { expect, test } from "bun:test";
import { createPresenceRoster } from "./presence_roster.ts";

test("createPresenceRoster() shows a name once until its last connection left", () => {
  const roster = createPresenceRoster();
  roster.reset([{ name: "zoe", nodeId: 1 }, { name: "ann", nodeId: 1 }, {
    name: "ann",
    nodeId: 2,
  }]);
  expect(roster.names()).toEqual(["ann", "zoe"]);
  roster.apply({ name: "ann", nodeId: 1, online: false });
  expect(roster.names()).toEqual(["ann", "zoe"]);
  roster.apply({ name: "ann", nodeId: 2, online: false });
  roster.apply({ name: "ann", nodeId: 2, online: false });
  expect(roster.names()).toEqual(["zoe"]);
  roster.apply({ name: "bob", nodeId: 3, online: true });
  roster.apply({ name: "bob", nodeId: 3, online: true });
  roster.apply({ name: "bob", nodeId: 3, online: false });
  expect(roster.names()).toEqual(["bob", "zoe"]);
  roster.reset([]);
  expect(roster.names()).toEqual([]);
});
