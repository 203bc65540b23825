import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCommand } from "./command_parser.ts";

test("parseCommand() maps lines to commands", () => {
  const table: Array<[string, unknown]> = [
    ["hello there", { kind: "say", text: "hello there" }],
    ["  ", { kind: "none" }],
    ["//join 3", { kind: "say", text: "/join 3" }],
    ["/join 12", { kind: "join", chatId: 12 }],
    ["/JOIN 0", { kind: "join", chatId: 0 }],
    ["/join 9007199254740991", { kind: "join", chatId: 9007199254740991 }],
    ["/chats", { kind: "chats" }],
    ["/part", { kind: "part" }],
    ["/switch 2", { kind: "switch", index: 2 }],
    ["/switch Team room", { kind: "switch", name: "Team room" }],
    ["/edit fixed typo", { kind: "edit", back: 1, text: "fixed typo" }],
    ["/edit #3 older one", { kind: "edit", back: 3, text: "older one" }],
    ["/edit #3", {
      kind: "invalid",
      message: "Cannot edit: usage /edit NEW TEXT, or /edit #N NEW TEXT",
    }],
    ["/delete", { kind: "delete", back: 1 }],
    ["/delete #2", { kind: "delete", back: 2 }],
    ["/search café menu", { kind: "search", query: "café menu" }],
    ["/rename Ops", { kind: "rename", name: "Ops" }],
    ["/create Team room", { kind: "create", name: "Team room" }],
    ["/who", { kind: "who" }],
    ["/history", { kind: "history", limit: 20 }],
    ["/history 5", { kind: "history", limit: 5 }],
    ["/nick bob", { kind: "nick", name: "bob" }],
    ["/help", { kind: "help" }],
    ["/quit", { kind: "quit" }],
  ];
  for (const [line, expected] of table) assert.deepEqual(parseCommand(line), expected, line);
});

test("parseCommand() explains bad commands in one line", () => {
  for (
    const line of [
      "/join",
      "/join x",
      "/join 1 2",
      "/join 9007199254740992",
      "/history 0",
      "/nick",
      "/create",
      "/frob",
      "/switch",
      "/edit",
      "/edit #0 x",
      "/delete now",
      "/search",
      "/rename",
    ]
  ) {
    const command = parseCommand(line);
    assert.equal(command.kind, "invalid", line);
    if (command.kind === "invalid") {
      assert.match(command.message, /^Cannot /);
      assert.ok(!command.message.includes("\n"));
    }
  }
  assert.equal(parseCommand("x".repeat(4001)).kind, "invalid");
  assert.equal(parseCommand("x".repeat(4000)).kind, "say");
  assert.equal(parseCommand("\u{1F600}".repeat(4000)).kind, "say");
  assert.equal(parseCommand("\u{1F600}".repeat(4001)).kind, "invalid");
});
