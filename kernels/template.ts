// Literal WGSL with a few constants filled in: a kernel is written as the WGSL a reader will see,
// with `{{NAME}}` where a value chosen per launch goes (a tile size, an element type, a function
// the caller picks), as gpu.cpp's templates do.

/**
 * `template` with every `{{NAME}}` replaced by `values[NAME]`. A placeholder without a value is an
 * error, so a misspelt name fails at once, not in the WGSL compiler; values may go unused (kernels
 * that share a set of values need not use them all).
 */
export function fillTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`WGSL template: no value for {{${name}}}`);
    return String(values[name]);
  });
}
