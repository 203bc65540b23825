import { describe, expect, test } from "bun:test";
import { createPageToken, type PageTokenEnvironment, tokenTrouble } from "./page_token.ts";

function environment(search: string, answers: Array<string | null> = []) {
  const stored = new Map<string, string>();
  const urls: string[] = [];
  const questions: string[] = [];
  const env: PageTokenEnvironment = {
    location: { search, pathname: "/", hash: "" },
    storage: {
      getItem: (key) => stored.get(key) ?? null,
      setItem: (key, value) => void stored.set(key, value),
    },
    replaceUrl: (url) => void urls.push(url),
    ask: (question) => {
      questions.push(question);
      return answers.shift() ?? null;
    },
  };
  return { env, stored, urls, questions };
}

describe("createPageToken()", () => {
  test("takes ?token= into sessionStorage and out of the address bar, other params kept", () => {
    const { env, stored, urls } = environment("?chat=42&token=a.b.c");
    expect(createPageToken(env).current()).toBe("a.b.c");
    expect(urls).toEqual(["/?chat=42"]);
    expect([...stored.values()]).toEqual(["a.b.c"]);
    const again = environment("?chat=42");
    again.stored.set("dsatter.token", "a.b.c");
    expect(createPageToken(again.env).current()).toBe("a.b.c");
    expect(again.urls).toEqual([]);
  });

  test("renew() asks, keeps a new token, and never asks again once declined", () => {
    const { env, questions, stored } = environment("", ["n.e.w", null]);
    const token = createPageToken(env);
    expect(token.current()).toBeUndefined();
    expect(token.renew("Your token expired")).toBe(true);
    expect(token.current()).toBe("n.e.w");
    expect(stored.get("dsatter.token")).toBe("n.e.w");
    expect(token.renew("Your token expired")).toBe(false);
    expect(token.renew("Your token expired")).toBe(false);
    expect(questions.length).toBe(2);
  });
});

describe("tokenTrouble()", () => {
  const primaryUrl = "ws://127.0.0.1:3001/";
  const context = (status: number | undefined, hasToken = true) => ({
    primaryUrl,
    hasToken,
    probe: () => Promise.resolve(status),
  });

  test("4003 is an expired token; a refused dial of the own node is a token only on 401", async () => {
    expect(await tokenTrouble({ closeCode: 4003, url: "ws://other:1/" }, context(200)))
      .toBe("Your token expired");
    expect(await tokenTrouble({ url: primaryUrl }, context(401))).toBe(
      "The node refused your token",
    );
    expect(await tokenTrouble({ url: primaryUrl }, context(401, false))).toBe(
      "This node needs a token",
    );
    expect(await tokenTrouble({ url: primaryUrl }, context(200))).toBeUndefined();
    expect(await tokenTrouble({ url: primaryUrl }, context(undefined))).toBeUndefined();
    expect(await tokenTrouble({ url: "ws://other:1/" }, context(401))).toBeUndefined();
    expect(await tokenTrouble({ url: primaryUrl, closeCode: 1006 }, context(401))).toBeUndefined();
  });
});
