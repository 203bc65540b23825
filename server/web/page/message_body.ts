/**
 * A message's text as DOM nodes: the spans of message_markup.ts become text
 * nodes, <strong>, <em>, <code>, <pre><code> and links that open in a new tab
 * without handing it this page (`rel="noopener noreferrer"`).
 *
 * Invariant: text people wrote only ever becomes text nodes (createTextNode /
 * textContent), never HTML; a link's href is the http(s) URL message_markup.ts
 * checked, set as a property.
 * @module
 */

import { type MarkupSpan, parseMarkup } from "./message_markup.ts";

function nodeOf(span: MarkupSpan): Node {
  switch (span.kind) {
    case "text":
      return document.createTextNode(span.text);
    case "bold":
    case "italic": {
      const element = document.createElement(span.kind === "bold" ? "strong" : "em");
      element.append(...span.children.map(nodeOf));
      return element;
    }
    case "code": {
      const code = document.createElement("code");
      code.textContent = span.text;
      return code;
    }
    case "codeBlock": {
      const pre = document.createElement("pre");
      const code = document.createElement("code");
      code.textContent = span.text;
      pre.append(code);
      return pre;
    }
    case "link": {
      const link = document.createElement("a");
      link.href = span.href;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.textContent = span.text;
      return link;
    }
  }
}

/** Fills element with the rendered text (its old children go). */
export function renderMessageBody(element: HTMLElement, text: string): void {
  element.replaceChildren(...parseMarkup(text).map(nodeOf));
}
