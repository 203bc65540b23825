import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type CliContext,
  type CliOptions,
  parseCliOptions,
  toWebSocketUrl,
} from "./cli_options.ts";

function context(overrides: Partial<CliContext> = {}): CliContext {
  return {
    config: {},
    env: { get: (name: string) => ({ USER: "ann" } as Record<string, string>)[name] },
    stdinIsTerminal: true,
    ...overrides,
  };
}

function run(args: string[], ctx = context()): CliOptions {
  const parsed = parseCliOptions(args, ctx);
  assert.equal(parsed.kind, "run", JSON.stringify(parsed));
  return (parsed as { options: CliOptions }).options;
}

test("parseCliOptions() applies defaults: discovery on localhost:8080, chat 11, $USER", () => {
  const options = run([]);
  assert.equal(options.mode, "interactive");
  assert.equal(options.discoveryUrl, "http://localhost:8080");
  assert.equal(options.chatId, 11);
  assert.equal(options.name, "ann");
  assert.equal(options.historyLimit, 50);
  assert.equal(options.ackTimeoutMs, 10_000);
});

test("parseCliOptions() lets flags override the remembered config", () => {
  const ctx = context({ config: { discovery: "http://d:9", name: "cfg", chat: 4 } });
  const remembered = run([], ctx);
  assert.deepEqual([remembered.discoveryUrl, remembered.name, remembered.chatId], [
    "http://d:9",
    "cfg",
    4,
  ]);
  const flagged = run(["--discovery", "http://e:1/", "--name", "bob", "--chat", "0"], ctx);
  assert.deepEqual([flagged.discoveryUrl, flagged.name, flagged.chatId], ["http://e:1", "bob", 0]);
  assert.deepEqual(flagged.explicit, { discovery: true, name: true, chat: true });
});

test("parseCliOptions() picks the mode from --send, --follow and stdin", () => {
  assert.equal(run(["--send", "hi"]).mode, "send");
  assert.equal(run(["--follow", "--json"]).mode, "follow");
  assert.equal(run(["--follow"]).historyLimit, 0);
  assert.equal(run([], context({ stdinIsTerminal: false })).mode, "stdin");
});

test("parseCliOptions() maps --server to WebSocket URLs", () => {
  assert.deepEqual(run(["--server", "ws://a:1/,http://b:2"]).serverUrls, [
    "ws://a:1/",
    "ws://b:2/",
  ]);
  assert.equal(toWebSocketUrl("127.0.0.1:5"), "ws://127.0.0.1:5/");
  assert.equal(toWebSocketUrl("https://x"), "wss://x/");
});

test("parseCliOptions() answers bad input with one clear line", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--discovery", "nope"], /^Cannot use discovery URL nope: not a URL/],
    [["--discovery", "ftp://x"], /scheme ftp: is not http/],
    [["--server", "ftp://x"], /^Cannot use server URL ftp:\/\/x/],
    [["--chat=-3"], /^Cannot use chat "-3"/],
    [["--chat", "-1"], /^Cannot parse arguments: .*--chat/],
    [["--name", "x".repeat(65)], /^Cannot use name/],
    [["--send", ""], /^Cannot send/],
    [["--send", "a", "--follow"], /^Cannot use --send with --follow/],
    [["--timeout", "0"], /^Cannot use --timeout/],
    [["--bogus"], /^Cannot parse arguments/],
    [["--region", "eu west"], /^Cannot use region "eu west"/],
    [["--chat", "9007199254740992"], /^Cannot use chat "9007199254740992"/],
    [["--send", "a".repeat(4001)], /^Cannot send/],
    [["--send", "\u{1F600}".repeat(4001)], /^Cannot send/],
  ];
  for (const [args, pattern] of cases) {
    const parsed = parseCliOptions(args, context());
    assert.equal(parsed.kind, "error", args.join(" "));
    if (parsed.kind === "error") {
      assert.match(parsed.message, pattern);
      assert.ok(!parsed.message.includes("\n"));
    }
  }
});

test("parseCliOptions() counts characters as the nodes do, and takes every safe chat id", () => {
  // 4,000 characters that are 8,000 UTF-16 units: the nodes take them, so the client does.
  assert.equal(run(["--send", "\u{1F600}".repeat(4000)]).sendText?.length, 8000);
  assert.equal(run(["--name", "\u{1F600}".repeat(64), "--send", "x"]).name.length, 128);
  assert.equal(run(["--chat", "9007199254740991"]).chatId, 9007199254740991);
  assert.equal(run(["--chat", "2147483648"]).chatId, 2147483648);
  assert.equal(run(["--chat", "011"]).chatId, 11);
});

test("parseCliOptions() prints help with every flag", () => {
  const parsed = parseCliOptions(["--help"], context());
  assert.equal(parsed.kind, "help");
  if (parsed.kind === "help") {
    for (
      const flag of [
        "--discovery",
        "--server",
        "--region",
        "--name",
        "--chat",
        "--send",
        "--follow",
        "--json",
      ]
    ) {
      assert.ok(parsed.text.includes(flag), flag);
    }
  }
});

test("parseCliOptions() takes --region, else $DSATTER_REGION, else none", () => {
  assert.equal(run([]).region, undefined);
  assert.equal(run(["--region", "eu-west"]).region, "eu-west");
  const env = { get: (name: string) => (name === "DSATTER_REGION" ? "us-east" : undefined) };
  assert.equal(run([], context({ env })).region, "us-east");
  assert.equal(run(["--region", "ap-south"], context({ env })).region, "ap-south");
});

test("parseCliOptions() takes --version and --ca", () => {
  assert.equal(parseCliOptions(["--version"], context()).kind, "version");
  assert.equal(run(["--ca", "/etc/ca.pem"]).caPath, "/etc/ca.pem");
  assert.equal(run([]).caPath, undefined);
  assert.equal(parseCliOptions(["--ca", ""], context()).kind, "error");
});

test("parseCliOptions() takes --token or $DSATTER_TOKEN, and the token's name as default name", () => {
  const utf8 = new TextEncoder().encode(JSON.stringify({ sub: "zoë", exp: 1 }));
  const payload = btoa(String.fromCharCode(...utf8)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
  const token = `eyJhbGciOiJIUzI1NiJ9.${payload}.c2ln`;
  const fromFlag = run(["--token", token]);
  assert.equal(fromFlag.token, token);
  assert.equal(fromFlag.name, "zoë");
  assert.equal(run(["--token", token, "--name", "bob"]).name, "bob");
  const fromEnv = run([], context({ env: { get: (name) => ({ DSATTER_TOKEN: token })[name] } }));
  assert.equal(fromEnv.token, token);
  assert.equal(run([]).token, undefined);
  const bad = parseCliOptions(["--token", "not a token"], context());
  assert.equal(bad.kind, "error");
});
