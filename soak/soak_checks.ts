/**
 * The soak's verdicts, as pure functions of its samples and end state: nothing
 * a process owns may grow without bound (RSS, open files, the WAL), the
 * database may grow only with the messages stored, open files return to their
 * baseline once the clients are gone, and no acknowledged message is missing.
 *
 * Invariant: every check is reported with its figures, passed or not.
 * @module
 */

import { checkBoundedGrowth } from "./growth_check.ts";
import { type Sample, series } from "./soak_sampler.ts";

export interface SoakCheck {
  name: string;
  ok: boolean;
  detail: string;
}

const MIB = 1024 * 1024;

/** Tolerances: generous enough for garbage collection and connection churn, not for a leak. */
export const SOAK_LIMITS = {
  rssRelative: 0.2,
  rssAbsoluteBytes: 24 * MIB,
  fdAbsolute: 24,
  walMaxBytes: 64 * MIB,
  walAbsoluteBytes: 8 * MIB,
  dbBytesPerMessageMax: 4096,
  fdBaselineSlack: 8,
};

function growth(
  name: string,
  values: number[],
  options: { relative: number; absolute: number },
): SoakCheck {
  const verdict = checkBoundedGrowth(values, options);
  return { name, ok: verdict.ok, detail: verdict.reason };
}

/** Growth checks of one node (RSS, fds, WAL, database per message) or of discovery. */
export function processChecks(samples: Sample[], name: string, isNode: boolean): SoakCheck[] {
  const checks = [
    growth(`${name} RSS bounded`, series(samples, name, "rssBytes"), {
      relative: SOAK_LIMITS.rssRelative,
      absolute: SOAK_LIMITS.rssAbsoluteBytes,
    }),
    growth(`${name} open files bounded`, series(samples, name, "fds"), {
      relative: 0,
      absolute: SOAK_LIMITS.fdAbsolute,
    }),
  ];
  if (!isNode) return checks;
  const wal = series(samples, name, "walBytes");
  const walMax = Math.max(0, ...wal);
  checks.push(
    growth(`${name} WAL bounded`, wal, {
      relative: SOAK_LIMITS.rssRelative,
      absolute: SOAK_LIMITS.walAbsoluteBytes,
    }),
    {
      name: `${name} WAL under ${SOAK_LIMITS.walMaxBytes / MIB} MiB`,
      ok: walMax <= SOAK_LIMITS.walMaxBytes,
      detail: `largest WAL ${(walMax / MIB).toFixed(1)} MiB`,
    },
    dbPerMessage(samples, name),
  );
  return checks;
}

/** The database grows with what is stored, no faster: bytes per acknowledged message after warm-up. */
function dbPerMessage(samples: Sample[], name: string): SoakCheck {
  const from = samples[Math.floor(samples.length / 3)];
  const to = samples[samples.length - 1];
  const grewBytes = (to?.processes[name]?.dbBytes ?? 0) - (from?.processes[name]?.dbBytes ?? 0);
  const messages = (to?.acked ?? 0) - (from?.acked ?? 0);
  const perMessage = messages > 0 ? grewBytes / messages : 0;
  return {
    name: `${name} database grows with the messages only`,
    ok: perMessage <= SOAK_LIMITS.dbBytesPerMessageMax,
    detail: `${
      Math.round(perMessage)
    } bytes per message after warm-up (${messages} messages, limit ${SOAK_LIMITS.dbBytesPerMessageMax})`,
  };
}

/** Acknowledged messages missing on a node, and visible copies of one (sender, clientMsgId). */
export function deliveryCheck(
  name: string,
  acked: ReadonlyMap<string, string>,
  messages: { messageId: string; sender: string; clientMsgId?: string }[],
): SoakCheck[] {
  const ids = new Set(messages.map((m) => m.messageId));
  const missing = [...acked.values()].filter((messageId) => !ids.has(messageId));
  const seen = new Set<string>();
  let duplicates = 0;
  for (const message of messages) {
    if (message.clientMsgId === undefined) continue;
    const key = `${message.sender}\u0000${message.clientMsgId}`;
    if (seen.has(key)) duplicates += 1;
    seen.add(key);
  }
  return [
    {
      name: `${name} holds every acknowledged message`,
      ok: missing.length === 0,
      detail: `${acked.size} acknowledged, ${missing.length} missing${
        missing.length ? ` (e.g. ${missing.slice(0, 3).join(", ")})` : ""
      }`,
    },
    {
      name: `${name} shows each send once`,
      ok: duplicates === 0,
      detail: `${duplicates} visible duplicates`,
    },
  ];
}
