/**
 * Two PeerMeshes linked in memory the way the `/peer` endpoint and the dialer
 * link them over the network: the dialler's nonce, the acceptor's proof, and a
 * socket pair whose frames arrive asynchronously and in order. For unit tests
 * of the mesh without ports.
 * @module
 */

import { type PeerAuth, randomNonce } from "../../common/peer_auth_token.ts";
import type { PeerLink, PeerSocket } from "../mesh/peer_link.ts";
import type { PeerMesh } from "../mesh/peer_mesh.ts";

/** One end of an in-memory socket pair: frames arrive asynchronously, in order. */
export class MemorySocket implements PeerSocket {
  other!: MemorySocket;
  closed = false;
  /** Every frame sent, as it went out (after rewrite). */
  sent: string[] = [];
  /** Changes what goes out (a test playing an older node). */
  rewrite: (text: string) => string = (text) => text;
  onText: (text: string) => void = () => {};
  onClose: (code: number) => void = () => {};
  send(text: string): void {
    if (this.closed) return;
    const out = this.rewrite(text);
    this.sent.push(out);
    setTimeout(() => !this.other.closed && this.other.onText(out), 0);
  }
  close(code: number): void {
    if (this.closed) return;
    this.closed = this.other.closed = true;
    setTimeout(() => {
      this.onClose(code);
      this.other.onClose(code);
    }, 0);
  }
  bufferedAmount(): number {
    return 0;
  }
}

/**
 * Dials `acceptor` from `dialler` over memory sockets (the given ones, to watch or rewrite
 * what they carry); resolves with [dialled, accepted].
 */
export async function linkMeshes(
  dialler: PeerMesh,
  acceptor: PeerMesh,
  auth: PeerAuth,
  sockets: { dialSide?: MemorySocket; acceptSide?: MemorySocket } = {},
): Promise<[PeerLink, PeerLink]> {
  const nonce = randomNonce();
  const acceptProof = await auth.signAccept(acceptor.node.nodeId, nonce);
  const dialSide = sockets.dialSide ?? new MemorySocket();
  const acceptSide = sockets.acceptSide ?? new MemorySocket();
  dialSide.other = acceptSide;
  acceptSide.other = dialSide;
  const accepted = acceptor.attachAccepted(acceptSide, dialler.node.nodeId, acceptProof);
  acceptSide.onText = (text) => accepted.receive(text);
  acceptSide.onClose = () => accepted.closed();
  const dialled = dialler.attachDialled(dialSide, nonce);
  dialSide.onText = (text) => dialled.receive(text);
  dialSide.onClose = () => dialled.closed();
  return [dialled, accepted];
}
