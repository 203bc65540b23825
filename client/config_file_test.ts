import { test } from "node:test";
import assert from "node:assert/strict";
import { configFilePath, loadConfig, parseConfig, saveConfig } from "./config_file.ts";

const env = (vars: Record<string, string>) => ({ get: (name: string) => vars[name] });

test("configFilePath() prefers XDG_CONFIG_HOME, then HOME/.config", () => {
  assert.equal(
    configFilePath(env({ XDG_CONFIG_HOME: "/x", HOME: "/h" })),
    "/x/dsatter/config.json",
  );
  assert.equal(configFilePath(env({ HOME: "/h" })), "/h/.config/dsatter/config.json");
  assert.equal(configFilePath(env({})), undefined);
});

test("parseConfig() keeps well-formed fields only", () => {
  assert.deepEqual(parseConfig('{"discovery":"http://d:1","name":"ann","chat":12}'), {
    discovery: "http://d:1",
    name: "ann",
    chat: 12,
  });
  assert.deepEqual(parseConfig('{"name":"","chat":-1,"discovery":3}'), {});
  assert.deepEqual(parseConfig("not json"), {});
});

test("saveConfig() and loadConfig() round-trip through a new folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = configFilePath(env({ XDG_CONFIG_HOME: dir }));
    assert.deepEqual(await loadConfig(path), {});
    await saveConfig(path, { name: "ann", chat: 3, discovery: "http://d:1" });
    assert.deepEqual(await loadConfig(path), { name: "ann", chat: 3, discovery: "http://d:1" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
