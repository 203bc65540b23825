import { describe, expect, test } from "bun:test";
import { DEFAULT_LIMITS, parseServerFlags } from "./server_flags.ts";
import { connectableHost, httpUrl } from "./node_address_flags.ts";

function config(argv: string[]) {
  const result = parseServerFlags(argv, { dataDir: "/tmp/d" });
  if (result.kind !== "config") throw new Error(`expected a config, got ${JSON.stringify(result)}`);
  return result.config;
}

describe("parseServerFlags()", () => {
  test("defaults: port 0, all interfaces, discovery mode, DB under the data dir", () => {
    expect(config([])).toEqual({
      port: 0,
      host: "0.0.0.0",
      advertise: undefined,
      mode: { kind: "discovery", discoveryUrl: "http://localhost:8080" },
      discoveryUrl: "http://localhost:8080",
      dbPath: "/tmp/d/node.db",
      verbose: false,
      rateLimitPerSecond: 1000,
      region: undefined,
      idleTimeoutSeconds: 120,
      tls: undefined,
      caPath: undefined,
      insecure: false,
      drainSeconds: 0,
      auth: undefined,
      allowedOrigins: [],
      maxTokenLifetimeSeconds: 86400,
      tokenLeewaySeconds: 30,
      limits: DEFAULT_LIMITS,
    });
  });

  test("identity and access: --auth, --allowed-origins, --max-token-lifetime, --token-leeway", () => {
    const parsed = config([
      "--auth",
      "optional",
      "--allowed-origins",
      "https://chat.example.com, http://localhost:5173",
      "--max-token-lifetime",
      "3600",
      "--token-leeway",
      "0",
    ]);
    expect(parsed).toMatchObject({
      auth: "optional",
      allowedOrigins: ["https://chat.example.com", "http://localhost:5173"],
      maxTokenLifetimeSeconds: 3600,
      tokenLeewaySeconds: 0,
    });
    const fromEnv = parseServerFlags([], {
      env: (name) => ({ DSATTER_AUTH: "required", DSATTER_TOKEN_LEEWAY: "5" })[name],
    });
    expect(fromEnv.kind === "config" && fromEnv.config).toMatchObject({
      auth: "required",
      tokenLeewaySeconds: 5,
    });
    const errors: Array<[string[], RegExp]> = [
      [["--auth", "maybe"], /--auth must be off, optional or required/],
      [["--allowed-origins", "evil"], /--allowed-origins entry evil/],
      [["--max-token-lifetime", "0"], /--max-token-lifetime/],
      [["--token-leeway", "-1"], /--token-leeway/],
    ];
    for (const [argv, message] of errors) {
      const result = parseServerFlags(argv);
      expect(result.kind).toBe("error");
      expect(result.kind === "error" && result.message).toMatch(message);
    }
  });

  test("modes: --standalone, --peers list (scheme added), --discovery URL", () => {
    expect(config(["--standalone"]).mode).toEqual({ kind: "standalone" });
    expect(config(["--peers", "ws://127.0.0.1:4003/, wss://h:4004/peer"]).mode).toEqual({
      kind: "peers",
      peers: ["ws://127.0.0.1:4003", "wss://h:4004/peer"],
    });
    expect(parseServerFlags(["--peers", "ftp://h:1"]).kind).toBe("error");
    expect(parseServerFlags(["--peers", "http://h"]).kind).toBe("error");
    expect(config(["--peers", "127.0.0.1:4001, http://h:4002/"]).mode).toEqual({
      kind: "peers",
      peers: ["http://127.0.0.1:4001", "http://h:4002"],
    });
    expect(config(["--discovery", "http://d:9/"]).mode).toEqual({
      kind: "discovery",
      discoveryUrl: "http://d:9",
    });
  });

  test("values: --port, --host, --advertise, --db, --rate-limit, --region, --verbose", () => {
    const c = config([
      "--port=4000",
      "--host",
      "127.0.0.1",
      "--advertise",
      "chat.example:4000",
      "--db",
      "x.db",
      "--rate-limit",
      "5",
      "--region",
      "eu",
      "--verbose",
    ]);
    expect(c).toMatchObject({
      port: 4000,
      host: "127.0.0.1",
      advertise: "chat.example:4000",
      dbPath: "x.db",
      rateLimitPerSecond: 5,
      region: "eu",
      verbose: true,
    });
  });

  test("errors say what is wrong; --help gives the help text", () => {
    for (
      const argv of [
        ["--port", "70000"],
        ["--port", "x"],
        ["--standalone", "--peers", "a:1"],
        ["--rate-limit", "0"],
        ["--idle-timeout", "0"],
        ["--discovery", "ftp://x"],
        ["--nope"],
        ["positional"],
        ["--advertise", "0.0.0.0"],
        ["--advertise", "[::]:4000"],
        ["--advertise", "127.0.0.1:99999"],
        ["--advertise", "http://x"],
        ["--advertise", "-bad-"],
      ]
    ) {
      const result = parseServerFlags(argv);
      expect(result.kind).toBe("error");
      if (result.kind === "error") expect(result.message).toStartWith("Cannot parse flags:");
    }
    const help = parseServerFlags(["--help"]);
    expect(help.kind === "help" && help.text).toContain("--rate-limit");
  });
});

describe("--advertise-peer", () => {
  test("is tidied like --advertise, port optional, discovery mode only", () => {
    expect(config(["--advertise-peer", "node1:3000"]).advertisePeer).toBe("node1:3000");
    expect(config(["--advertise-peer", "::ffff:10.0.0.9"]).advertisePeer).toBe("10.0.0.9");
    expect(config([]).advertisePeer).toBeUndefined();
    for (
      const argv of [
        ["--advertise-peer", "0.0.0.0:3000"],
        ["--advertise-peer", "node1:0"],
        ["--advertise-peer", "node1", "--standalone"],
        ["--advertise-peer", "node1", "--peers", "h:1"],
      ]
    ) {
      const result = parseServerFlags(argv);
      expect(result.kind === "error" && result.message).toStartWith(
        "Cannot parse flags: --advertise-peer",
      );
    }
  });
});

describe("parseServerFlags() with DSATTER_ variables", () => {
  const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

  test("every flag comes from DSATTER_<FLAG>; the command line wins", () => {
    const result = parseServerFlags(["--port", "4001"], {
      dataDir: "/tmp/d",
      env: envOf({
        DSATTER_PORT: "9999",
        DSATTER_HOST: "127.0.0.1",
        DSATTER_RATE_LIMIT: "7",
        DSATTER_DB: "/x/node.db",
        DSATTER_TLS_CERT: "/c.pem",
        DSATTER_TLS_KEY: "/k.pem",
        DSATTER_CA: "/ca.pem",
        DSATTER_INSECURE: "true",
        DSATTER_DRAIN_SECONDS: "5",
        DSATTER_PEERS: "127.0.0.1:4002",
      }),
    });
    expect(result.kind === "config" && result.config).toMatchObject({
      port: 4001,
      host: "127.0.0.1",
      rateLimitPerSecond: 7,
      dbPath: "/x/node.db",
      tls: { certPath: "/c.pem", keyPath: "/k.pem" },
      caPath: "/ca.pem",
      insecure: true,
      drainSeconds: 5,
      mode: { kind: "peers", peers: ["http://127.0.0.1:4002"] },
    });
  });

  test("a mode flag on the command line silences the other modes' variables", () => {
    const env = envOf({ DSATTER_DISCOVERY: "http://d:8080", DSATTER_STANDALONE: "1" });
    const result = parseServerFlags(["--peers", "127.0.0.1:4002"], { env });
    expect(result.kind === "config" && result.config.mode.kind).toBe("peers");
    const both = parseServerFlags([], { env });
    expect(both.kind === "error" && both.message).toContain(
      "(set from the environment: DSATTER_DISCOVERY, DSATTER_STANDALONE)",
    );
  });

  test("a bad variable is a usage error naming it", () => {
    const result = parseServerFlags([], { env: envOf({ DSATTER_STANDALONE: "maybe" }) });
    expect(result.kind === "error" && result.message).toContain("DSATTER_STANDALONE");
    const port = parseServerFlags([], { env: envOf({ DSATTER_PORT: "x" }) });
    expect(port.kind === "error" && port.message).toContain("DSATTER_PORT");
  });

  test("abuse limits: defaults, flags, variables and ranges", () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxConnections: 50_000,
      maxConnectionsPerIp: 1000,
      limitLoopback: false,
      bufferBudgetBytes: 256 * 1024 * 1024,
      postRatePerSecond: 100,
      chatsPerMinute: 10,
      nodeChatsPerMinute: 600,
      maxClockAheadMs: 60_000,
    });
    const flags = config([
      "--max-connections",
      "10",
      "--max-connections-per-ip",
      "3",
      "--limit-loopback",
      "--buffer-budget-mib",
      "64",
      "--post-rate-limit",
      "5",
      "--chats-per-minute",
      "2",
      "--node-chats-per-minute",
      "20",
      "--max-clock-ahead",
      "90",
    ]).limits;
    expect(flags).toEqual({
      maxConnections: 10,
      maxConnectionsPerIp: 3,
      limitLoopback: true,
      bufferBudgetBytes: 64 * 1024 * 1024,
      postRatePerSecond: 5,
      chatsPerMinute: 2,
      nodeChatsPerMinute: 20,
      maxClockAheadMs: 90_000,
    });
    const fromEnv = parseServerFlags([], {
      env: envOf({ DSATTER_MAX_CONNECTIONS_PER_IP: "7", DSATTER_LIMIT_LOOPBACK: "true" }),
    });
    expect(fromEnv.kind === "config" && fromEnv.config.limits).toMatchObject({
      maxConnectionsPerIp: 7,
      limitLoopback: true,
    });
    for (const bad of [["--max-connections", "0"], ["--max-clock-ahead", "x"]]) {
      const result = parseServerFlags(bad);
      expect(result.kind === "error" && result.message).toContain(`${bad[0]} must be an integer`);
    }
  });

  test("--version, --tls-cert without --tls-key, --drain-seconds range", () => {
    expect(parseServerFlags(["--version"]).kind).toBe("version");
    expect(parseServerFlags(["--tls-cert", "/c.pem"]).kind).toBe("error");
    expect(parseServerFlags(["--drain-seconds", "-1"]).kind).toBe("error");
    expect(config(["--drain-seconds", "30"]).drainSeconds).toBe(30);
  });
});

describe("--advertise and --host", () => {
  test("a node bound to one address advertises that address", () => {
    expect(config(["--host", "127.0.0.2"]).advertise).toBe("127.0.0.2");
    expect(config(["--host", "::1"]).advertise).toBe("[::1]");
    expect(config(["--host", "0.0.0.0"]).advertise).toBeUndefined();
    expect(config(["--host", "::"]).advertise).toBeUndefined();
  });

  test("--advertise is tidied: IPv4-mapped becomes IPv4, IPv6 gets brackets, the port stays", () => {
    expect(config(["--advertise", "::ffff:127.0.0.1"]).advertise).toBe("127.0.0.1");
    expect(config(["--advertise", "::1"]).advertise).toBe("[::1]");
    expect(config(["--advertise", "[::1]:4000"]).advertise).toBe("[::1]:4000");
    expect(config(["--host", "127.0.0.2", "--advertise", "chat.example"]).advertise).toBe(
      "chat.example",
    );
  });

  test("an every-interface --advertise is refused with a reason", () => {
    const result = parseServerFlags(["--advertise", "0.0.0.0"]);
    expect(result.kind === "error" && result.message).toContain("clients cannot dial it");
  });
});

describe("connectableHost()", () => {
  test("wildcards become loopback; advertise wins; IPv6 is bracketed in URLs", () => {
    expect(connectableHost("0.0.0.0")).toBe("127.0.0.1");
    expect(connectableHost("::")).toBe("127.0.0.1");
    expect(connectableHost("::ffff:10.0.0.1")).toBe("10.0.0.1");
    expect(connectableHost("0.0.0.0", "chat.example:4000")).toBe("chat.example");
    expect(connectableHost("192.168.1.5")).toBe("192.168.1.5");
    expect(connectableHost("0.0.0.0", "[::1]:4000")).toBe("::1");
    expect(connectableHost("0.0.0.0", "[::1]")).toBe("::1");
    expect(httpUrl("::1", 80)).toBe("http://[::1]:80");
  });
});

describe("--backbone", () => {
  test("takes a comma list of nats:// URLs, in discovery mode only", () => {
    expect(config(["--backbone", "nats://127.0.0.1:4222,nats://b:4223"]).backbone).toEqual([
      "nats://127.0.0.1:4222",
      "nats://b:4223",
    ]);
    expect(config([]).backbone).toBeUndefined();
    for (
      const argv of [
        ["--backbone", "http://127.0.0.1:4222"],
        ["--backbone", ""],
        ["--backbone", "nats://h:4222", "--standalone"],
        ["--backbone", "nats://h:4222", "--peers", "h:1"],
      ]
    ) {
      const result = parseServerFlags(argv);
      expect(result.kind === "error" && result.message).toStartWith(
        "Cannot parse flags: --backbone",
      );
    }
  });
});
