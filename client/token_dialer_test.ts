import assert from "node:assert/strict";
import type { CloseInfo, Dialer, NodeConnection } from "../sdk/node_connection.ts";
import { tokenDialer } from "./token_dialer.ts";

function fakeConnection(url: string, closed: Promise<CloseInfo>): NodeConnection {
  return { url, send() {}, listen() {}, close() {}, closed };
}

Deno.test("tokenDialer() dials with the token and reports a 401 and a 4003 close once each", async () => {
  const dialled: string[] = [];
  const failures: string[] = [];
  let closeWith: (info: CloseInfo) => void = () => {};
  const dial: Dialer = (url) => {
    dialled.push(url);
    if (url.includes("refuse")) {
      return Promise.reject(
        new Error(`Cannot connect to ${url}: the node refused the connection (HTTP 401)`),
      );
    }
    return Promise.resolve(
      fakeConnection(url, new Promise<CloseInfo>((resolve) => closeWith = resolve)),
    );
  };
  const withTokenDial = tokenDialer(dial, {
    token: "a.b.c",
    onAuthFailure: (s) => failures.push(s),
  });
  await assert.rejects(() => withTokenDial("ws://refuse:1/", {}), /HTTP 401/);
  assert.match(failures[0], /refused the token/);
  const connection = await withTokenDial("ws://ok:1/", {});
  assert.equal(dialled[1], "ws://ok:1/?token=a.b.c");
  assert.equal(connection.url, "ws://ok:1/");
  closeWith({ code: 4003, reason: "token expired: connect with a new token" });
  assert.equal((await connection.closed).code, 4003);
  assert.match(failures[1], /token expired/);
  assert.equal(failures.length, 2);

  const noToken = tokenDialer(dial, { onAuthFailure: (s) => failures.push(s) });
  await assert.rejects(() => noToken("ws://refuse:2/", {}));
  assert.match(failures[2], /requires a user token: pass --token/);
  const other = await noToken("ws://ok:2/", {});
  closeWith({ code: 1001, reason: "node shutting down" });
  await other.closed;
  assert.equal(failures.length, 3);
});
