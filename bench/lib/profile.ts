import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile (node --cpu-prof) that the summary needs. */
type CpuProfile = {
  nodes: {
    id: number;
    hitCount?: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  samples?: number[];
  startTime: number;
  endTime: number;
};

export type HotFrame = { frame: string; selfPercent: number };
export type HotModule = { module: string; selfPercent: number };

/** Where a frame's code lives: a package, our own source, node internals or V8. */
export function moduleOf(url: string): string {
  if (!url) return '(native/V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const own = /\/dist\/(.*)$/.exec(url);
  if (own) return `ringmaster/${own[1]}`;
  return url;
}

/** Self-time by frame and by module, highest first, as a share of the busy (non-idle) samples. */
export function summarizeProfile(
  file: string,
  top = 25,
): { frames: HotFrame[]; modules: HotModule[]; busySamples: number } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byFrame = new Map<string, number>();
  const byModule = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (hits === 0 || functionName === '(idle)') continue;
    const short = url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/');
    const frame =
      `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
    byFrame.set(frame, (byFrame.get(frame) ?? 0) + hits);
    const mod = functionName.startsWith('(') && !url ? functionName : moduleOf(url);
    byModule.set(mod, (byModule.get(mod) ?? 0) + hits);
    total += hits;
  }
  const pct = (x: number): number => Math.round((1000 * x) / Math.max(1, total)) / 10;
  return {
    busySamples: total,
    frames: [...byFrame]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, hits]) => ({ frame, selfPercent: pct(hits) })),
    modules: [...byModule]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([module, hits]) => ({ module, selfPercent: pct(hits) })),
  };
}
