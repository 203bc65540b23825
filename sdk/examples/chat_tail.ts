/**
 * An example of embedding DSatter with the SDK: follows one chat and prints
 * its messages as they come; with `--say TEXT` it sends one message instead
 * and exits once a node has it durably. The same file runs under Deno, Bun and
 * Node 22+ (whose WebSocket and fetch globals the SDK uses):
 *
 *   deno run -A sdk/examples/chat_tail.ts --discovery http://localhost:8080 --chat 11
 *   bun sdk/examples/chat_tail.ts --node ws://127.0.0.1:3001/ --say "hello" --name bot
 *
 * It survives the loss of its node like the real clients: it fails over,
 * resumes where it was, and prints each message once.
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { DSatterClient } from "../mod.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    discovery: { type: "string" },
    node: { type: "string", multiple: true },
    chat: { type: "string", default: "11" },
    name: { type: "string", default: "sdk-example" },
    say: { type: "string" },
    token: { type: "string" },
  },
});
const chatId = Number(values.chat);
if (!Number.isSafeInteger(chatId) || chatId < 0) {
  console.error(`Cannot use chat ${values.chat}: not a chat id`);
  process.exit(2);
}
if ((values.discovery === undefined) === (values.node === undefined)) {
  console.error("Cannot start: give --discovery URL or --node ws://HOST:PORT/ (one of them)");
  process.exit(2);
}

const client = new DSatterClient({
  name: values.name,
  follow: chatId,
  timelines: false, // only listens: nothing kept in memory
  token: values.token,
  ...(values.discovery !== undefined ? { discovery: values.discovery } : { nodes: values.node! }),
});
client.on("state", (state) => {
  if (state.kind === "online") console.error(`online on node ${state.nodeId} (${state.url})`);
  if (state.kind === "offline") console.error(`offline (${state.reason}); retrying`);
});
client.on("message", ({ message }) => {
  console.log(`[${message.dateTime}] ${message.sender}: ${message.text}`);
});
process.once("SIGINT", () => void client.close());
client.start();

if (values.say !== undefined) {
  try {
    const ack = await client.send(values.say, { chatId });
    console.log(`acknowledged as ${ack.messageId}`);
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
  await client.close();
}
