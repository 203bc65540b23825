import { expect, test } from "bun:test";
import { createResumePosition } from "./resume_position.ts";

test("createResumePosition() moves only by a node's vector or the next seq", () => {
  const position = createResumePosition();
  position.observe({ nodeId: 1, seq: 1 });
  expect(position.known).toBe(false);
  expect(position.toWire()).toEqual({});
  position.adopt({ "1": 4, "2": 7 });
  position.observe({ nodeId: 1, seq: 5 });
  position.observe({ nodeId: 1, seq: 7 });
  position.observe({ nodeId: 3, seq: 1 });
  position.observe({ nodeId: 3, seq: 3 });
  expect(position.toWire()).toEqual({ "1": 5, "2": 7, "3": 1 });
  position.adopt({ "1": 3, "2": 9 });
  expect(position.toWire()).toEqual({ "1": 5, "2": 9, "3": 1 });
});
