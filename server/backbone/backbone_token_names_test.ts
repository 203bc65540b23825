import { describe, expect, test } from "bun:test";
import { encodeListFrames, PeerFrameType } from "../../common/peer_protocol.ts";
import { tokenNamePageReply } from "./backbone_token_names.ts";

const node = (names: string[]) => ({
  tokenNames: {
    list: () => names,
    acceptRemote: () => Promise.resolve(),
    onLocalNames: () => () => {},
  },
});

const namesOf = (reply: string | undefined) =>
  (JSON.parse(reply!) as { payload: { names: string[] } }).payload.names;

describe("tokenNamePageReply()", () => {
  test("tokenNamePageReply() answers the names after the cursor, sorted; none past the last", () => {
    const holders = node(["zoe", "ann", "bob"]);
    expect(namesOf(tokenNamePageReply(holders, JSON.stringify({ after: null })))).toEqual([
      "ann",
      "bob",
      "zoe",
    ]);
    expect(namesOf(tokenNamePageReply(holders, JSON.stringify({ after: "ann" })))).toEqual([
      "bob",
      "zoe",
    ]);
    expect(namesOf(tokenNamePageReply(holders, JSON.stringify({ after: "zoe" })))).toEqual([]);
  });

  test("tokenNamePageReply() cuts a long list into one frame's worth, the first names first", () => {
    const many = Array.from({ length: 5000 }, (_, i) => `user-${String(i).padStart(5, "0")}`);
    const reply = tokenNamePageReply(node(many), JSON.stringify({ after: null }));
    const [first] = encodeListFrames(PeerFrameType.names, "names", many);
    expect(reply).toBe(first);
    expect(namesOf(reply).length).toBeLessThan(many.length);
    expect(namesOf(reply)[0]).toBe("user-00000");
  });

  test("tokenNamePageReply() refuses a request that is not {after: string | null}", () => {
    for (const text of ["not json", "{}", JSON.stringify({ after: 3 }), "null"]) {
      expect(tokenNamePageReply(node(["ann"]), text)).toBeUndefined();
    }
  });
});
