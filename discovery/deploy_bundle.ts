/**
 * `deno run --allow-read --allow-write --allow-run discovery/deploy_bundle.ts OUT_DIR`:
 * writes the folder that is uploaded to Deno Deploy (docs/DEPLOY.md): the modules
 * `discovery/deploy.ts` imports, at their paths in this repository, and
 * `discovery/deploy.deno.jsonc` as its `deno.jsonc`. No node_modules, no package.json, no
 * tests: what Deploy runs is exactly what this writes.
 *
 * Invariant: OUT_DIR is new or empty (nothing is overwritten), and every local module of the
 * entry's graph is in it (the graph comes from `deno info --json`, not from a file list).
 * @module
 */

import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));
const ENTRY = "discovery/deploy.ts";
const CONFIG = "discovery/deploy.deno.jsonc";
const USAGE = "usage: deno run --allow-read --allow-write --allow-run " +
  "discovery/deploy_bundle.ts OUT_DIR";

/** Repository-relative paths of the local modules `ENTRY` needs, itself included. */
async function localModules(): Promise<string[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", ENTRY],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`deno info failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  const graph = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    modules: { specifier: string }[];
  };
  return graph.modules
    .map((module) => module.specifier)
    .filter((specifier) => specifier.startsWith("file://"))
    .map((specifier) => relative(REPO_ROOT, fileURLToPath(specifier)))
    .filter((path) => !path.startsWith("..") && !path.startsWith("node_modules/"))
    .sort();
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return false;
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    throw error;
  }
}

/** Writes the bundle into outDir; returns the repository paths it copied. */
export async function writeDeployBundle(outDir: string): Promise<string[]> {
  if (!(await isEmptyOrMissing(outDir))) {
    throw new Error(`${outDir} is not empty`);
  }
  const modules = await localModules();
  if (!modules.includes(ENTRY)) throw new Error(`${ENTRY} is not in its own module graph`);
  for (const path of modules) {
    await Deno.mkdir(join(outDir, dirname(path)), { recursive: true });
    await Deno.copyFile(join(REPO_ROOT, path), join(outDir, path));
  }
  await Deno.copyFile(join(REPO_ROOT, CONFIG), join(outDir, "deno.jsonc"));
  return modules;
}

if (import.meta.main) {
  const [outDir, extra] = Deno.args;
  if (!outDir || extra !== undefined || outDir.startsWith("-")) {
    console.error(USAGE);
    Deno.exit(2);
  }
  try {
    const modules = await writeDeployBundle(outDir);
    console.log(`wrote ${outDir}: deno.jsonc and ${modules.length} modules`);
  } catch (error) {
    console.error(`Cannot write the deploy bundle: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
