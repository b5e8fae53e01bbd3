export declare const FRAME_MS: number;
export declare const LATE_MS: number;
export interface FrameStats {
  frames: number;
  intervals: number;
  span: number;
  dropped: number;
  late: number;
  worstGap: number;
  worstSecond: number;
}
export declare function frameStats(times: readonly number[]): FrameStats;
export declare function mergeFrames(blocks: readonly FrameStats[]): {
  blocks: number;
  frames: number;
  span: number;
  fps: number;
  dropped: number;
  droppedPerMinute: number;
  late: number;
  latePerMinute: number;
  worstGap: number;
  worstSecond: number;
  worstSeconds: number[];
};
