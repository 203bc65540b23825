import { test } from "node:test";
import assert from "node:assert/strict";
import { TabCompleter } from "./tab_completion.ts";

const sources = {
  commands: ["/join", "/chats", "/create", "/delete", "/edit"],
  nicks: () => ["ann", "annie", "bob", "Ann-Marie"],
};

test("TabCompleter completes a command at the start of the line", () => {
  const completer = new TabCompleter();
  assert.deepEqual(completer.complete("/jo", 3, sources), { line: "/join ", cursor: 6 });
  assert.equal(completer.complete("/zz", 3, sources), undefined);
  assert.equal(completer.complete("x /jo", 5, sources), undefined); // not a command there
});

test("TabCompleter completes nicknames and cycles through the matches", () => {
  const completer = new TabCompleter();
  let done = completer.complete("an", 2, sources)!;
  assert.deepEqual(done, { line: "ann: ", cursor: 5 });
  done = completer.complete(done.line, done.cursor, sources)!;
  assert.deepEqual(done, { line: "annie: ", cursor: 7 });
  done = completer.complete(done.line, done.cursor, sources)!;
  assert.deepEqual(done, { line: "Ann-Marie: ", cursor: 11 });
  done = completer.complete(done.line, done.cursor, sources)!;
  assert.deepEqual(done, { line: "ann: ", cursor: 5 });
  completer.reset();
  assert.deepEqual(completer.complete("hi @bo and", 6, sources), {
    line: "hi @bob and",
    cursor: 8,
  });
  assert.deepEqual(completer.complete("thanks b", 8, sources), { line: "thanks bob ", cursor: 11 });
  assert.equal(completer.complete("thanks ", 7, sources), undefined);
});
