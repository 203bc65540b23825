/**
 * The settings a node start needs before it touches the store: its flags (and
 * their DSATTER_ variables) checked, the cluster secret, the production
 * refusals, the auth mode and secret, the test hooks from the environment and
 * the start files (TLS, CA). Anything wrong ends the process here with one
 * line and the right exit code (0 help/version, 2 usage, 1 refused).
 *
 * Invariant: a StartSettings exists only for a configuration a node may run.
 * @module
 */

import * as fs from "node:fs";
import process from "node:process";
import { authSecretFromEnv } from "../../common/auth_secret.ts";
import { versionLine } from "../../common/build_info.ts";
import { isProduction } from "../../common/cluster_secret.ts";
import { clusterSecretFromDataDir } from "../../common/cluster_secret_file.ts";
import { ExitCode } from "../../common/exit_code.ts";
import { createLogger, type Logger } from "../../common/logger.ts";
import { productionRefusals } from "../../common/production_policy.ts";
import type { AuthMode } from "../core/chat_access.ts";
import { NODE_BUILD_INFO } from "../process/build_info.ts";
import { readStartFiles, type StartFiles } from "../process/start_files.ts";
import { clockOffsetFromEnv } from "./clock_offset.ts";
import { parseServerFlags, type ServerConfig } from "./server_flags.ts";
import { holdAcksFromEnv } from "./test_hold_acks.ts";
import { commitCycleFromEnv } from "./commit_cycle.ts";

/** Prints the message (stdout for exit 0, stderr otherwise) and exits. */
export function exitWith(message: string, code: number): never {
  if (code === ExitCode.ok) console.log(message);
  else console.error(message);
  process.exit(code);
}

/** What a start needs before it touches the store: checked flags, the secret, PEM files. */
export interface StartSettings {
  config: ServerConfig;
  logger: Logger;
  secret: string;
  files: StartFiles;
  /** DSATTER_CLOCK_OFFSET_MS: the chaos harness's clock skew (0 unless set; never in production). */
  clockOffsetMs: number;
  /** DSATTER_TEST_HOLD_ACKS: the crash test's hook (never in production). */
  holdAcks: boolean;
  /** DSATTER_COMMIT_CYCLE_MS: the group commit's pacing (commit_cycle.ts). */
  commitCycleMs: number;
  /** --auth resolved (off, or required in production, unless given) and DSATTER_AUTH_SECRET. */
  auth: { mode: AuthMode; secret?: string };
}

/** Flags, secret, production refusals and start files, or the right exit (0, 1 or 2). */
export function settle(argv: string[], env: (name: string) => string | undefined): StartSettings {
  const dataDir = env("DSATTER_DATA_DIR") || "data";
  const flags = parseServerFlags(argv, { dataDir, env });
  if (flags.kind === "help") exitWith(flags.text, ExitCode.ok);
  if (flags.kind === "version") {
    exitWith(versionLine("dsatter-server", NODE_BUILD_INFO), ExitCode.ok);
  }
  if (flags.kind === "error") exitWith(`${flags.message}\n(try --help)`, ExitCode.usage);
  const config = flags.config;
  const production = isProduction(env);
  const logger = createLogger({ verbose: config.verbose && !production, json: production });

  const clockOffset = clockOffsetFromEnv(env, production);
  if (!clockOffset.ok) exitWith(clockOffset.error, ExitCode.refused);
  const holdAcks = holdAcksFromEnv(env, production);
  if (!holdAcks.ok) exitWith(holdAcks.error, ExitCode.refused);
  const commitCycle = commitCycleFromEnv(env);
  if (!commitCycle.ok) exitWith(commitCycle.error, ExitCode.refused);

  const authMode: AuthMode = config.auth ?? (production ? "required" : "off");
  const resolved = clusterSecretFromDataDir(dataDir, { env, fs });
  if (!resolved.ok) exitWith(resolved.error, ExitCode.refused);
  const secret = resolved.secret;
  if (production) {
    const refusals = productionRefusals({
      secret,
      bindHost: config.host,
      tls: config.tls !== undefined,
      insecure: config.insecure,
      discoveryUrl: config.mode.kind === "discovery" ? config.mode.discoveryUrl : undefined,
      peerUrls: config.mode.kind === "peers" ? config.mode.peers : undefined,
      storePath: config.dbPath,
      authMode,
      env,
    });
    if (refusals.length > 0) exitWith(refusals.join("\n"), ExitCode.refused);
  }
  const authSecret = authSecretFromEnv(authMode, env, production);
  if (!authSecret.ok) exitWith(authSecret.error, ExitCode.refused);
  if (authSecret.warning) logger.warn(authSecret.warning);
  if (resolved.warning) logger.warn(resolved.warning);
  try {
    return {
      config,
      logger,
      secret,
      files: readStartFiles(config),
      clockOffsetMs: clockOffset.offsetMs,
      holdAcks: holdAcks.hold,
      commitCycleMs: commitCycle.cycleMs,
      auth: { mode: authMode, secret: authSecret.secret },
    };
  } catch (error) {
    exitWith((error as Error).message, ExitCode.refused);
  }
}
