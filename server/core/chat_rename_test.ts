import { describe, expect, test } from "bun:test";
import { checkRename, compareRenames, mergeChat } from "./chat_rename.ts";
import type { ReplicatedChat } from "./chat_rules.ts";

const created: ReplicatedChat = {
  chatId: 100_000_001,
  name: "Plans",
  named: true,
  createdAt: "2026-01-01T00:00:00.000Z",
  createdLc: 0,
  createdBy: 1,
  creator: "ann",
};
const rename = (name: string, at: string, by = 1, lc = 0): ReplicatedChat => ({
  ...created,
  name,
  renamed: { at, lc, by },
});

describe("chat renames", () => {
  test("mergeChat() keeps the latest rename by the hybrid clock, whichever side has it", () => {
    const early = rename("Q3", "2026-01-02T00:00:00.000Z", 2);
    const late = rename("Q4", "2026-01-02T00:00:00.000Z", 1, 3);
    for (const [a, b] of [[early, late], [late, early]]) {
      expect(mergeChat(a, b).name).toBe("Q4");
    }
    expect(mergeChat(created, early)).toMatchObject({ name: "Q3", creator: "ann" });
    expect(mergeChat(early, created)).toBe(early); // nothing new: the same record back
    // Same time, lc: the node id decides, the same way on both sides.
    const a = rename("A", "2026-01-03T00:00:00.000Z", 1);
    const b = rename("B", "2026-01-03T00:00:00.000Z", 2);
    expect(mergeChat(a, b).name).toBe("B");
    expect(mergeChat(b, a).name).toBe("B");
    expect(compareRenames(undefined, a.renamed)).toBeLessThan(0);
  });

  test("mergeChat() learns the creator from a copy of the same creation", () => {
    const { creator: _, ...anonymous } = created;
    expect(mergeChat<ReplicatedChat>(anonymous, created).creator).toBe("ann");
    expect(mergeChat(created, anonymous)).toBe(created);
  });

  test("checkRename() lets only the creator rename a named chat", () => {
    expect(checkRename(created, "ann")).toBeUndefined();
    expect(checkRename(created, "bob")?.code).toBe("forbidden");
    expect(checkRename(created, undefined)?.code).toBe("forbidden");
    expect(checkRename(undefined, "ann")?.code).toBe("not_found");
    const { creator: _, ...implicit }: ReplicatedChat = {
      ...created,
      named: false,
      name: "chat 5",
    };
    expect(checkRename(implicit, "ann")?.message).toContain("no known creator");
  });
});
