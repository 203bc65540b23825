/**
 * Where the cluster secret comes from. DSATTER_CLUSTER_SECRET wins; in
 * development a secret is read from, or generated once into, a file that every
 * process of `make dev` shares; production refuses to start without the
 * variable. File access and randomness are injected, so this stays pure.
 * @module
 */

export interface ClusterSecretSources {
  /** Reads an environment variable. */
  env: (name: string) => string | undefined;
  /** The development secret file's content, or null when it does not exist. */
  readSecretFile: () => string | null;
  /** Creates the development secret file; must fail if it already exists (exclusive create). */
  writeSecretFile: (secret: string) => void;
  /** Random bytes as lowercase hex. */
  randomHex: (bytes: number) => string;
}

export type ClusterSecretResult =
  | { ok: true; secret: string; origin: "env" | "file" | "generated"; warning?: string }
  | { ok: false; error: string };

/**
 * A secret shorter than this is accepted (the contract sets no length) but gets
 * a warning at start; the Deno Deploy entry, on the public internet, refuses it.
 */
export const MIN_SECRET_CHARS = 16;

/** The values DSATTER_ENV may take (unset or empty means development). */
export const ENVIRONMENTS: readonly string[] = ["development", "production"];

/** True when DSATTER_ENV says production. */
export function isProduction(env: (name: string) => string | undefined): boolean {
  return env("DSATTER_ENV") === "production";
}

/** Resolves the cluster secret, or says why it cannot. */
export function resolveClusterSecret(sources: ClusterSecretSources): ClusterSecretResult {
  const environment = sources.env("DSATTER_ENV");
  if (environment !== undefined && environment !== "" && !ENVIRONMENTS.includes(environment)) {
    // A misspelt "production" must not quietly run as development (generated secret, debug logs).
    return {
      ok: false,
      error: `Cannot start: DSATTER_ENV must be ${ENVIRONMENTS.join(" or ")}, not "${environment}"`,
    };
  }
  const fromEnv = sources.env("DSATTER_CLUSTER_SECRET");
  if (fromEnv !== undefined && fromEnv !== "") {
    if (fromEnv.length < MIN_SECRET_CHARS) {
      return {
        ok: true,
        secret: fromEnv,
        origin: "env",
        warning:
          `DSATTER_CLUSTER_SECRET is shorter than ${MIN_SECRET_CHARS} characters: easy to guess`,
      };
    }
    return { ok: true, secret: fromEnv, origin: "env" };
  }
  if (isProduction(sources.env)) {
    return {
      ok: false,
      error: "Cannot start in production: DSATTER_CLUSTER_SECRET is not set",
    };
  }
  const existing = sources.readSecretFile()?.trim();
  if (existing) return { ok: true, secret: existing, origin: "file" };
  const generated = sources.randomHex(32);
  try {
    sources.writeSecretFile(generated);
  } catch {
    // Another process created it first: use theirs, so all processes agree.
    const raced = sources.readSecretFile()?.trim();
    if (raced) return { ok: true, secret: raced, origin: "file" };
    return { ok: false, error: "Cannot create the development cluster secret file" };
  }
  return { ok: true, secret: generated, origin: "generated" };
}
