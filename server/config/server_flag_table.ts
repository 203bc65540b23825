/**
 * The node's flag table (parseArgs reads it, and so does the DSATTER_<FLAG>
 * environment resolver) and the rules of its integer flags: default, digits,
 * least value, and the sentence a refusal gives.
 *
 * Invariant: every flag the node takes is in SERVER_FLAGS, and every integer
 * flag has one rule here (the abuse limits' come from abuse_limits.ts).
 * @module
 */

import type { parseArgs } from "node:util";
import {
  DEFAULT_TOKEN_LEEWAY_SECONDS,
  DEFAULT_TOKEN_MAX_LIFETIME_SECONDS,
} from "../../common/user_token.ts";
import type { FlagTable } from "../../common/env_flags.ts";
import { LIMIT_FLAGS, LIMIT_INTEGER_RULES } from "./abuse_limits.ts";

/** The one table of the node's flags: parseArgs reads it, and so does the environment resolver. */
export const SERVER_FLAGS = {
  port: { type: "string" },
  host: { type: "string" },
  advertise: { type: "string" },
  "advertise-peer": { type: "string" },
  discovery: { type: "string" },
  db: { type: "string" },
  standalone: { type: "boolean" },
  peers: { type: "string" },
  backbone: { type: "string" },
  "rate-limit": { type: "string" },
  region: { type: "string" },
  "idle-timeout": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  ca: { type: "string" },
  insecure: { type: "boolean" },
  "drain-seconds": { type: "string" },
  auth: { type: "string" },
  "allowed-origins": { type: "string" },
  "max-token-lifetime": { type: "string" },
  "token-leeway": { type: "string" },
  ...LIMIT_FLAGS,
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const satisfies FlagTable;

/** Of these the command line may give one; it then silences the others' DSATTER_ variables. */
export const SERVER_MODE_FLAGS = ["standalone", "peers", "discovery"] as const;

export const DEFAULT_DISCOVERY_URL = "http://localhost:8080";
export const DEFAULT_RATE_LIMIT_PER_SECOND = 1000;
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 120;

/** Why a flag's value was refused (the sentence after "Cannot parse flags: "). */
export interface Refusal {
  refused: string;
}

export const isRefusal = (value: unknown): value is Refusal =>
  typeof value === "object" && value !== null && "refused" in value;

export type FlagValues = ReturnType<typeof parseArgs<{ options: typeof SERVER_FLAGS }>>["values"];

/** The integer flags: their default, how many digits and the least value they take. */
export const INTEGER_FLAGS = {
  "rate-limit": {
    fallback: DEFAULT_RATE_LIMIT_PER_SECOND,
    maxDigits: 9,
    min: 1,
    refusal: "--rate-limit must be an integer >= 1",
  },
  "idle-timeout": {
    fallback: DEFAULT_IDLE_TIMEOUT_SECONDS,
    maxDigits: 6,
    min: 1,
    refusal: "--idle-timeout must be an integer >= 1",
  },
  "drain-seconds": {
    fallback: 0,
    maxDigits: 4,
    min: 0,
    refusal: "--drain-seconds must be 0..9999",
  },
  "max-token-lifetime": {
    fallback: DEFAULT_TOKEN_MAX_LIFETIME_SECONDS,
    maxDigits: 9,
    min: 1,
    refusal: "--max-token-lifetime must be an integer >= 1 (seconds)",
  },
  "token-leeway": {
    fallback: DEFAULT_TOKEN_LEEWAY_SECONDS,
    maxDigits: 9,
    min: 0,
    refusal: "--token-leeway must be an integer >= 0 (seconds)",
  },
  ...LIMIT_INTEGER_RULES,
} as const;

/** An integer flag's value, its default when absent, or why it was refused. */
export function integerFlag(
  values: FlagValues,
  flag: keyof typeof INTEGER_FLAGS,
): number | Refusal {
  const rule = INTEGER_FLAGS[flag];
  const value = values[flag];
  if (value === undefined) return rule.fallback;
  if (!new RegExp(`^[0-9]{1,${rule.maxDigits}}$`).test(value) || Number(value) < rule.min) {
    return { refused: rule.refusal };
  }
  return Number(value);
}
