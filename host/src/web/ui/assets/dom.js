// DOM helpers. el() is how text reaches the page: strings become text nodes and `text`
// sets textContent, so ticket and customer text is never parsed as HTML.

export const $ = (selector) => document.querySelector(selector);

/** An element with attributes and children; strings become text nodes. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name.startsWith('data-') || name.startsWith('aria-') || name === 'role') {
      node.setAttribute(name, String(value));
    }
    else node[name] = value;
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function show(view) {
  for (const id of ['sign-in-view', 'queue-view', 'ticket-view']) {
    $('#' + id).hidden = id !== view;
  }
}

export function fillSelect(select, choices, keep) {
  const signature = JSON.stringify(choices);
  if (select.dataset.signature === signature) return;
  const previous = keep ? select.value : '';
  select.dataset.signature = signature;
  select.replaceChildren(...choices.map(([value, label]) => el('option', { value, text: label })));
  if (choices.some(([value]) => value === previous)) select.value = previous;
}
