// The few DOM helpers the lab's views share: making elements, tables and labelled inputs.

type Child = Node | string | null | undefined | false;

/** An element with attributes (on… attributes as listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number | boolean | EventListener> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false) element.setAttribute(name, String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

/** A table with a header row; a cell that is a number is right-aligned. */
export function table(head: string[], rows: (string | number | Node)[][]): HTMLTableElement {
  const cell = (value: string | number | Node) =>
    typeof value === 'number' ? h('td', { class: 'num' }, String(value)) : h('td', {}, value);
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, ...head.map((name) => h('th', {}, name)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map(cell)))),
  );
}

/** A labelled number input whose value `read` returns (one line error when it is not a positive number). */
export function numberField(label: string, value: number, step = 'any'): { element: HTMLLabelElement; read: () => number } {
  const input = h('input', { type: 'number', value, step, min: 0 });
  return {
    element: h('label', {}, label, input),
    read: () => {
      const n = Number(input.value);
      if (input.value.trim() === '' || !Number.isFinite(n) || n < 0)
        throw new Error(`${label}: expected a number >= 0, got "${input.value}"`);
      return n;
    },
  };
}

/** Replaces what `element` holds. */
export function show(element: Element, ...children: Child[]): void {
  element.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}
