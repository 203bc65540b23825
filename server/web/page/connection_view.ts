/**
 * The connection indicator: `connecting to HOST…`, `online · node N` (its
 * title: the node's URL), `offline · retrying in N s` counting down; and the
 * people list greyed out while not online (who is online is only known then).
 *
 * Invariant: at most one countdown runs; each new state stops the last one.
 * @module
 */

import type { ConnectionState } from "../../../sdk/mod.ts";

export interface ConnectionView {
  render(connection: ConnectionState): void;
}

export function createConnectionView(indicator: HTMLElement, people: HTMLElement): ConnectionView {
  let countdown: ReturnType<typeof setInterval> | undefined;
  return {
    render(connection) {
      if (connection.kind === "idle") return;
      clearInterval(countdown);
      const state = connection.kind === "closed" ? "offline" : connection.kind;
      indicator.dataset.state = state;
      people.dataset.stale = String(state !== "online");
      if (connection.kind === "offline") {
        const retryAt = Date.now() + connection.retryInMs;
        const tick = () => {
          const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
          indicator.textContent = `offline · retrying in ${seconds} s`;
        };
        tick();
        countdown = setInterval(tick, 250);
        indicator.title = connection.url ?? connection.reason;
      } else if (connection.kind === "closed") {
        indicator.textContent = "offline";
      } else {
        indicator.textContent = connection.kind === "online"
          ? `online · node ${connection.nodeId}`
          : `connecting to ${new URL(connection.url).host}…`;
        indicator.title = connection.url;
      }
    },
  };
}
