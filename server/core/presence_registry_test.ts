import { describe, expect, test } from "bun:test";
import type { PresenceEventPayload } from "../../common/protocol.ts";
import { PresenceRegistry } from "./presence_registry.ts";

function setup() {
  const events: PresenceEventPayload[] = [];
  const registry = new PresenceRegistry(1, (event) => events.push(event));
  return { registry, events };
}

describe("PresenceRegistry", () => {
  test("join()/leave(): online on the first connection of a name, offline on the last", () => {
    const { registry, events } = setup();
    registry.join(10, "ann", null);
    registry.join(11, "ann", [5]);
    expect(events).toEqual([{ name: "ann", nodeId: 1, online: true }]);
    registry.leave(10);
    expect(events.length).toBe(1);
    registry.leave(11);
    expect(events.at(-1)).toEqual({ name: "ann", nodeId: 1, online: false });
    registry.leave(99); // never said hello: nothing
    expect(events.length).toBe(2);
  });

  test("hello again renames; local() merges chats per name", () => {
    const { registry, events } = setup();
    registry.join(10, "ann", [1]);
    registry.join(11, "ann", [2]);
    registry.join(12, "bob", [3]);
    registry.join(12, "rob", [3]);
    expect(events.map((e) => `${e.name}:${e.online}`)).toEqual([
      "ann:true",
      "bob:true",
      "bob:false",
      "rob:true",
    ]);
    expect(registry.local()).toEqual([
      { name: "ann", chatIds: [1, 2] },
      { name: "rob", chatIds: [3] },
    ]);
    registry.subscribe(11, null);
    expect(registry.local()[0]).toEqual({ name: "ann", chatIds: null });
  });

  test("replaceRemote()/dropRemote(): events for the difference; list() filters by chat", () => {
    const { registry, events } = setup();
    registry.join(10, "ann", [7]);
    registry.replaceRemote(2, [{ name: "cat", chatIds: null }, { name: "dan", chatIds: [8] }]);
    registry.replaceRemote(2, [{ name: "cat", chatIds: null }]);
    expect(events.slice(1).map((e) => `${e.name}@${e.nodeId}:${e.online}`)).toEqual([
      "cat@2:true",
      "dan@2:true",
      "dan@2:false",
    ]);
    expect(registry.list()).toEqual([{ name: "ann", nodeId: 1 }, { name: "cat", nodeId: 2 }]);
    expect(registry.list(8)).toEqual([{ name: "cat", nodeId: 2 }]);
    registry.dropRemote(2);
    expect(events.at(-1)).toEqual({ name: "cat", nodeId: 2, online: false });
    expect(registry.list()).toEqual([{ name: "ann", nodeId: 1 }]);
  });

  test("onLocalChange() fires on local changes only", () => {
    const { registry } = setup();
    let calls = 0;
    const stop = registry.onLocalChange(() => calls++);
    registry.join(1, "a", null);
    registry.subscribe(1, [3]);
    registry.replaceRemote(2, [{ name: "x", chatIds: null }]);
    registry.leave(1);
    stop();
    registry.join(2, "b", null);
    expect(calls).toBe(3);
  });
});
