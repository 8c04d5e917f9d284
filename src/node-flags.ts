// The V8 settings the service runs with: `npm start`, the benchmarks and the fuzzer's server all
// start Node with these (package.json's scripts; a test keeps them the same). Node 24 lets the
// young generation grow to 128 MB and the old one to several times what is live before a full
// collection, which a 100,000-row upload soon reaches: 350 MB and more at its peak where about
// 50 MB of its heap is live. A young generation of 2 × 8 MB and an old one let grow by half of
// what is live took the upload benchmark's peak to 217–251 MB (from 281–357), at about a sixth
// more of the check's CPU for school data and no change the pages' benchmark could tell from
// noise. (Growing by a fifth gave 230–250 MB but cost school data's check 70% more CPU.)
// See docs/bulk-upload.md, "Speed and memory".
export const NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=50'] as const;
