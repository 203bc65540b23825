/**
 * The node's version facts: package.json's version and the Bun it runs on, for
 * `--version` and `dsatter_build_info`.
 * @module
 */

import packageJson from "../../package.json" with { type: "json" };
import type { BuildInfo } from "../../common/build_info.ts";

export const NODE_BUILD_INFO: BuildInfo = {
  version: packageJson.version,
  runtime: `bun ${Bun.version}`,
};
