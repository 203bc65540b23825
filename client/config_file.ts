/**
 * The client's remembered settings (last discovery URL, name, chat), like the
 * original client's config.ini: a JSON file under the user's config dir,
 * `$XDG_CONFIG_HOME/dsatter/config.json` or `~/.config/dsatter/config.json`.
 * Flags override it.
 *
 * Invariant: loading never fails the client (a missing or broken file is an
 * empty config plus a warning), and saving replaces the file atomically.
 * @module
 */

export interface ClientConfig {
  discovery?: string;
  name?: string;
  chat?: number;
}

/** Where the config file lives; undefined when neither XDG_CONFIG_HOME nor HOME is set. */
export function configFilePath(env: { get(name: string): string | undefined }): string | undefined {
  const xdg = env.get("XDG_CONFIG_HOME");
  if (xdg) return `${xdg}/dsatter/config.json`;
  const home = env.get("HOME");
  if (home) return `${home}/.config/dsatter/config.json`;
  return undefined;
}

/** Reads the fields that are well formed; anything else is ignored. */
export function parseConfig(text: string): ClientConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof value !== "object" || value === null) return {};
  const raw = value as Record<string, unknown>;
  const config: ClientConfig = {};
  if (typeof raw.discovery === "string") config.discovery = raw.discovery;
  if (typeof raw.name === "string" && raw.name.length > 0) config.name = raw.name;
  if (Number.isSafeInteger(raw.chat) && (raw.chat as number) >= 0) config.chat = raw.chat as number;
  return config;
}

/** Loads the config; a missing file is an empty config. */
export async function loadConfig(path: string | undefined): Promise<ClientConfig> {
  if (!path) return {};
  try {
    return parseConfig(await Deno.readTextFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw new Error(`Cannot read config ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Writes the config (creating its folder), through a temp file and a rename. */
export async function saveConfig(path: string | undefined, config: ClientConfig): Promise<void> {
  if (!path) return;
  const dir = path.slice(0, path.lastIndexOf("/"));
  try {
    await Deno.mkdir(dir, { recursive: true });
    const temp = `${path}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(temp, JSON.stringify(config, null, 2) + "\n");
    await Deno.rename(temp, path);
  } catch (error) {
    throw new Error(`Cannot save config ${path}: ${(error as Error).message}`, { cause: error });
  }
}
