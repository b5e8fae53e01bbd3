export { HistoryError, type HistoryErrorCode, isDiskFull } from './errors.js';
export {
  CONTINUES,
  checkSegmentHeader,
  decodeFrameHead,
  EVENT_TYPE_BITS,
  encodeFrame,
  encodeSegmentHeader,
  FORMAT_VERSION,
  FRAME_HEAD_BYTES,
  type FrameHead,
  type FrameInput,
  FrameKind,
  frameIntact,
  frameSections,
  type NotAFrame,
  SEGMENT_HEADER_BYTES,
  typeMask,
} from './frame.js';
export { keyframeDue, Recorder, type RecorderOptions, type TickSource } from './recorder.js';
export {
  decodeEvents,
  decodeKeyframe,
  decodeTicks,
  encodeEvents,
  encodeKeyframe,
  encodeTicks,
  type RecordedTick,
} from './records.js';
export { historyDiff, type Replayed, replay } from './replay.js';
export {
  type Limits,
  type SegmentInfo,
  type SegmentLimits,
  segmentLimits,
  segmentsToDrop,
  shouldRotate,
} from './retention.js';
export { type Buckets, bucketMax, Series, type SeriesAnswer } from './series.js';
export {
  type EventQuery,
  HistoryStore,
  type Owner,
  type Recovery,
  type StoreOptions,
  type StoreRange,
} from './store.js';
export {
  applySummary,
  type ContainerNumbers,
  decodeSummary,
  encodeSummary,
  type Summary,
  type SummaryDelta,
  summarize,
  summaryDelta,
} from './summary.js';
