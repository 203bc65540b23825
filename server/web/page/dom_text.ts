/**
 * The page's DOM helpers: finding its elements, and making elements that hold
 * text. Text from the network goes through here, as `textContent` only.
 *
 * Invariant: no helper ever sets HTML; text people wrote gets `dir="auto"`.
 * @module
 */

export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`Cannot start the page: #${id} is missing`);
  return element as T;
}

export function textElement(tag: string, className: string, text: string): HTMLElement {
  const element = document.createElement(tag);
  element.className = className;
  element.textContent = text;
  return element;
}

/** Text people wrote (messages, names): its own direction, so Hebrew or Arabic reads right. */
export function peopleText(tag: string, className: string, text: string): HTMLElement {
  const element = textElement(tag, className, text);
  element.dir = "auto";
  return element;
}
