import assert from "node:assert/strict";
import { DISCOVERY_RUN_ARGS } from "./run_args.ts";

Deno.test("DISCOVERY_RUN_ARGS grants what `deno task discovery` grants", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const task: string = config.tasks.discovery;
  assert.equal(task, `./node_modules/deno/deno ${DISCOVERY_RUN_ARGS.join(" ")}`);
});
