// The engine's host in a page (see engine/gpu/host.ts): the browser's own WebGPU, navigator.gpu.
// The browser polls for the GPU itself, and a page keeps no tuned kernel tables (its ops use
// their defaults).
import type { GpuHost } from './host.ts';

/** FNV-1a over UTF-16 code units from offset basis `basis`, as 8 hex digits. */
function fnv1a(text: string, basis: number): string {
  let h = basis;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

export const host: GpuHost = {
  async requestAdapter(forced) {
    if (forced === 'opengl') throw new Error("ENGINE_BACKEND=opengl is a choice of Dawn in Node; a page has its browser's WebGPU");
    if (!('gpu' in navigator)) {
      throw new Error(
        (globalThis as { isSecureContext?: boolean }).isSecureContext !== false
          ? 'this browser has no WebGPU (navigator.gpu): use a recent Chrome, Edge or Safari, or Firefox with WebGPU enabled'
          : 'WebGPU needs a secure context: open this page over https or from localhost / 127.0.0.1',
      );
    }
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error('the browser offers no WebGPU adapter (is hardware acceleration turned off, or the GPU blocklisted?)');
    return { adapter, backend: 'gpu' };
  },
  backendName: () => 'WebGPU in the browser',
  opened() {},
  close() {},
  tuningTables: {
    location: () => 'this page (a page keeps no tuned kernel tables)',
    read: () => undefined,
    write() {
      throw new Error('a page keeps no tuned kernel tables: run `npm run tune` in Node');
    },
  },
  // Names only, never security: two FNV-1a streams, as long as Node's sha256 prefix.
  hash: (text) => (fnv1a(text, 0x811c9dc5) + fnv1a(text, 0x050c5d1f)).slice(0, 12),
};
