import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { OutputLines } from "./output_lines.ts";

/** A stream that hands over the chunks it is given. */
function source() {
  const emitter = new EventEmitter();
  return {
    setEncoding: () => {},
    on: (event: "data", listener: (chunk: string) => void) => emitter.on(event, listener),
    write: (chunk: string) => emitter.emit("data", chunk),
  };
}

describe("OutputLines", () => {
  test("follow() splits chunks into lines, across chunk edges and CRLF", () => {
    const out = new OutputLines();
    const stream = source();
    const seen: string[] = [];
    out.follow(stream, (line) => seen.push(line));
    stream.write("listening on http://1");
    stream.write("27.0.0.1:80\r\nnode ready\npart");
    expect(out.lines).toEqual(["listening on http://127.0.0.1:80", "node ready"]);
    expect(seen).toEqual(out.lines);
  });

  test("waitFor() finds a past line at once and a later one when it comes", async () => {
    const out = new OutputLines();
    out.push("a");
    expect(await out.waitFor((line) => line === "a", 1000)).toBe("a");
    const later = out.waitFor((line) => line.startsWith("b"), 10_000);
    out.push("x");
    out.push("b2");
    expect(await later).toBe("b2");
  });

  test("waitFor() fails when the output ends, and past the deadline", async () => {
    const out = new OutputLines();
    const pending = out.waitFor(() => false, 10_000);
    out.end("the process exited");
    await expect(pending).rejects.toThrow("the process exited");
    await expect(out.waitFor(() => false, 10_000)).rejects.toThrow("the process exited");
    await expect(new OutputLines().waitFor(() => false, 10)).rejects.toThrow("within 10 ms");
  });

  test("keeps the newest maxLines", () => {
    const out = new OutputLines({ maxLines: 2 });
    for (const line of ["1", "2", "3"]) out.push(line);
    expect(out.lines).toEqual(["2", "3"]);
  });
});
