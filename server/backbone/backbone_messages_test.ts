import { describe, expect, test } from "bun:test";
import { backboneNames } from "../../common/backbone_protocol.ts";
import { encodePeerFrame, PeerFrameType } from "../../common/peer_protocol.ts";
import { BACKBONE_AUTH_HEADER, createBackboneAuth } from "./backbone_auth.ts";
import { isSigned, receivedFrame } from "./backbone_messages.ts";

const auth = createBackboneAuth("backbone-messages-test-secret");
const names = backboneNames(auth.tag);
const NAMES_FRAME = encodePeerFrame(PeerFrameType.names, { names: ["ann"] });

/** A received message as NATS hands it over, with the proof signer made (or none). */
function message(subject: string, payload: string, proof?: string) {
  const data = new TextEncoder().encode(payload);
  return {
    subject,
    data,
    headers: proof === undefined
      ? undefined
      : { get: (name: string) => name === BACKBONE_AUTH_HEADER ? proof : "" },
    string: () => payload,
  };
}

describe("backbone messages", () => {
  test("receivedFrame() gives the origin and frame of another node's signed frame", () => {
    const subject = names.tokenNames(7);
    const received = receivedFrame(message(subject, NAMES_FRAME, auth.sign(subject, NAMES_FRAME)), {
      names,
      auth,
      selfId: 3,
    });
    expect(received).toEqual({
      origin: 7,
      frame: { type: PeerFrameType.names, payload: { names: ["ann"] } },
    });
  });

  test("receivedFrame() drops own, foreign, unsigned, stale, mis-signed and malformed ones", () => {
    const subject = names.tokenNames(7);
    const from = { names, auth, selfId: 3 };
    const stale = createBackboneAuth("backbone-messages-test-secret", () => Date.now() - 3_600_000);
    const other = createBackboneAuth("another-cluster-secret");
    const cases = [
      message(subject, NAMES_FRAME, auth.sign(subject, NAMES_FRAME)), // own (selfId 7 below)
      message(
        "dsatter.other.names.7",
        NAMES_FRAME,
        auth.sign("dsatter.other.names.7", NAMES_FRAME),
      ),
      message(subject, NAMES_FRAME),
      message(subject, NAMES_FRAME, stale.sign(subject, NAMES_FRAME)),
      message(subject, NAMES_FRAME, other.sign(subject, NAMES_FRAME)),
      message(subject, "{not json", auth.sign(subject, "{not json")),
    ];
    expect(receivedFrame(cases[0], { ...from, selfId: 7 })).toBeNull();
    for (const msg of cases.slice(1)) expect(receivedFrame(msg, from)).toBeNull();
    expect(isSigned(auth, cases[0])).toBe(true);
    expect(isSigned(auth, cases[3])).toBe(false);
  });
});
