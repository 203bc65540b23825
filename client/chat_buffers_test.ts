import { test } from "node:test";
import assert from "node:assert/strict";
import { bufferBar, ChatBuffers, MAX_NOTES, MAX_SHOWN } from "./chat_buffers.ts";

test("ChatBuffers opens one buffer per chat, switches, counts unread and closes", () => {
  const buffers = new ChatBuffers(11);
  buffers.open(12, "Team room");
  buffers.open(12, "ignored: already open");
  buffers.open(13);
  assert.deepEqual(buffers.list().map((b) => b.name), ["chat 11", "Team room", "chat 13"]);
  assert.equal(buffers.current().chatId, 11);
  assert.equal(buffers.arrived(12, false), true);
  assert.equal(buffers.arrived(12, true), true);
  assert.equal(buffers.arrived(11, false), false); // shown: not unread
  assert.equal(buffers.arrived(99, false), false); // no buffer
  assert.equal(bufferBar(buffers.list(), 0), "[1:chat 11]  2:Team room(2!)   3:chat 13 ");
  assert.equal(buffers.switchTo(1), true);
  assert.equal(buffers.current().unread, 0);
  assert.equal(buffers.switchTo(3), false);
  assert.equal(buffers.indexByName("team"), 1);
  assert.equal(buffers.indexByName("chat 13"), 2);
  assert.equal(buffers.indexByName("zzz"), -1);
  assert.equal(buffers.rename(13, "ops"), true);
  assert.equal(buffers.show(14).chatId, 14);
  assert.equal(buffers.currentIndex, 3);
  assert.equal(buffers.closeCurrent(), true);
  assert.equal(buffers.current().chatId, 13);
  while (buffers.list().length > 1) buffers.closeCurrent();
  assert.equal(buffers.closeCurrent(), false);
});

test("ChatBuffers remembers the newest MAX_SHOWN messages and MAX_NOTES notes", () => {
  const buffers = new ChatBuffers(1);
  const buffer = buffers.current();
  for (let i = 0; i < MAX_NOTES + 5; i++) buffers.recordNote(buffer, { atMs: i, text: `${i}` });
  assert.equal(buffer.notes.length, MAX_NOTES);
  assert.deepEqual(buffer.notes[0], { atMs: 5, text: "5" });
  for (let i = 0; i < MAX_SHOWN + 2; i++) buffers.recordShown(buffer, `k${i}`);
  assert.equal(buffer.shown.size, MAX_SHOWN);
  assert.equal(buffer.shown.has("k1"), false);
  assert.equal(buffer.shown.has("k2"), true);
});
