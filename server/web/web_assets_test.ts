import { describe, expect, test } from "bun:test";
import { loadWebAssets, WEB_CONTENT_SECURITY_POLICY } from "./web_assets.ts";

describe("loadWebAssets()", async () => {
  const assets = await loadWebAssets();

  test("serves the page at / with a strict CSP and the contract's labels", async () => {
    const response = assets.respond(new Request("http://node/"))!;
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toBe(WEB_CONTENT_SECURITY_POLICY);
    expect(WEB_CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(WEB_CONTENT_SECURITY_POLICY).not.toContain("unsafe");
    const html = await response.text();
    expect(html).toContain('<script type="module" src="/assets/app.js"></script>');
    expect(html).not.toMatch(/https?:\/\//);
  });

  test("serves the bundle as JavaScript, built from TypeScript, nothing from elsewhere", async () => {
    const response = assets.respond(new Request("http://node/assets/app.js?v=1"))!;
    expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const script = await response.text();
    expect(script.length).toBeGreaterThan(1000);
    expect(script.length).toBeLessThan(100_000); // ~67 KB minified: the page with section 7
    expect(script).not.toContain("innerHTML");
    expect(script).not.toMatch(/\bimport\s*\(|from\s*"http/);
    const css = assets.respond(new Request("http://node/assets/styles.css"))!;
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  test("answers HEAD without a body, 405 to other methods, and leaves other paths alone", async () => {
    const head = assets.respond(new Request("http://node/", { method: "HEAD" }))!;
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    for (const path of ["/healthz", "/api/chats", "/assets/../web_assets.ts", "/page/main.ts"]) {
      expect(assets.respond(new Request(`http://node${path}`))).toBeUndefined();
    }
    const post = assets.respond(new Request("http://node/", { method: "POST" }))!;
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });
});
