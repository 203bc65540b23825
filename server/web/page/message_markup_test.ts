import { expect, test } from "bun:test";
import { linkOf, type MarkupSpan, parseMarkup, plainText } from "./message_markup.ts";

const text = (value: string): MarkupSpan => ({ kind: "text", text: value });

test("parseMarkup() leaves plain text and HTML-looking text as one text span", () => {
  for (
    const plain of [
      "hello from alice",
      '<img src=x onerror="window.__pwned=2">',
      "<script>window.__pwned=3</script>",
      '<a href="javascript:window.__pwned=4">click</a>',
      "snake_case_name and 2*3*4 and a * b *",
      "",
    ]
  ) {
    expect(parseMarkup(plain)).toEqual(plain === "" ? [] : [text(plain)]);
  }
});

test("parseMarkup() reads bold, italic, inline code and code blocks", () => {
  expect(parseMarkup("a **bold** b *it* c _it2_ d `x*y*z`")).toEqual([
    text("a "),
    { kind: "bold", children: [text("bold")] },
    text(" b "),
    { kind: "italic", children: [text("it")] },
    text(" c "),
    { kind: "italic", children: [text("it2")] },
    text(" d "),
    { kind: "code", text: "x*y*z" },
  ]);
  expect(parseMarkup("before\n```ts\nconst a = **1**;\n```\nafter")).toEqual([
    text("before\n"),
    { kind: "codeBlock", text: "const a = **1**;" },
    text("\nafter"),
  ]);
  expect(parseMarkup("**bold with *italic* inside**")).toEqual([
    {
      kind: "bold",
      children: [
        text("bold with "),
        { kind: "italic", children: [text("italic")] },
        text(" inside"),
      ],
    },
  ]);
  expect(parseMarkup("** not bold ** and *not italic *")).toEqual([
    text("** not bold ** and *not italic *"),
  ]);
});

test("parseMarkup() links http(s) URLs only, without the sentence's punctuation", () => {
  expect(parseMarkup("see https://example.org/a_b_c. (or http://x.io/p(1))!")).toEqual([
    text("see "),
    { kind: "link", href: "https://example.org/a_b_c", text: "https://example.org/a_b_c" },
    text(". (or "),
    { kind: "link", href: "http://x.io/p(1)", text: "http://x.io/p(1)" },
    text(")!"),
  ]);
  expect(parseMarkup("javascript:alert(1) ftp://x.org data:text/html,hi")).toEqual([
    text("javascript:alert(1) ftp://x.org data:text/html,hi"),
  ]);
  expect(parseMarkup("`https://in.code/` stays code")[0]).toEqual({
    kind: "code",
    text: "https://in.code/",
  });
  expect(linkOf("https://")).toBeUndefined();
  expect(linkOf("http://ok.example/?q=1&x=<")!.href).toBe("http://ok.example/?q=1&x=%3C");
});

test("plainText() is what a reader sees", () => {
  expect(plainText(parseMarkup("**hi** _there_ `code` https://a.b/"))).toBe(
    "hi there code https://a.b/",
  );
});
