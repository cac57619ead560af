// fp32 (non-tensor-core) peak and memory bandwidth of a few known GPUs, from NVIDIA's datasheets,
// used for the "of peak" column when --peak-tflops / --peak-gbps are not given.
const KNOWN: [RegExp, { tflops: number; gbps: number }][] = [
  [/H200 NVL/i, { tflops: 60, gbps: 4800 }],
  [/H200/i, { tflops: 67, gbps: 4800 }],
  [/H100 PCIe/i, { tflops: 51, gbps: 2000 }],
  [/H100 NVL/i, { tflops: 60, gbps: 3900 }],
  [/H100/i, { tflops: 67, gbps: 3350 }],
];

export function knownPeaks(adapterName: string): { tflops?: number; gbps?: number } {
  return KNOWN.find(([re]) => re.test(adapterName))?.[1] ?? {};
}
