/**
 * The connection indicator: `connecting to HOST…`, `online · node N` (its
 * title: the node's URL), `offline · retrying in N s` counting down; the
 * banner under the top bar while the page is offline or reconnecting (what it
 * means for the messages written meanwhile); and the people list greyed out
 * while not online (who is online is only known then).
 *
 * Invariant: at most one countdown runs; each new state stops the last one.
 * @module
 */

import type { ConnectionState } from "../../../sdk/mod.ts";

export interface ConnectionView {
  render(connection: ConnectionState): void;
}

const KEPT = "Messages you write are kept and sent once the connection is back.";

export function createConnectionView(
  indicator: HTMLElement,
  people: HTMLElement,
  banner: HTMLElement,
): ConnectionView {
  let countdown: ReturnType<typeof setInterval> | undefined;
  let everOffline = false;
  const showBanner = (text: string | undefined) => {
    banner.hidden = text === undefined;
    banner.textContent = text ?? "";
  };
  return {
    render(connection) {
      if (connection.kind === "idle") return;
      clearInterval(countdown);
      const state = connection.kind === "closed" ? "offline" : connection.kind;
      indicator.dataset.state = state;
      people.dataset.stale = String(state !== "online");
      if (connection.kind === "offline") {
        everOffline = true;
        const retryAt = Date.now() + connection.retryInMs;
        const tick = () => {
          const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
          indicator.textContent = `offline · retrying in ${seconds} s`;
          showBanner(`You are offline: retrying in ${seconds} s. ${KEPT}`);
        };
        tick();
        countdown = setInterval(tick, 250);
        indicator.title = connection.url ?? connection.reason;
      } else if (connection.kind === "closed") {
        indicator.textContent = "offline";
        showBanner("You are offline.");
      } else {
        const online = connection.kind === "online";
        indicator.textContent = online
          ? `online · node ${connection.nodeId}`
          : `connecting to ${new URL(connection.url).host}…`;
        indicator.title = connection.url;
        showBanner(online || !everOffline ? undefined : `Reconnecting… ${KEPT}`);
      }
    },
  };
}
