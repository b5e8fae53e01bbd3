import { type RefObject, useLayoutEffect, useRef } from 'react';

/**
 * `value` as last committed: handlers that stay the same functions read what is on screen
 * through it, not what a render still in progress (or thrown away) saw. Memoised children that
 * get such handlers do not render for them.
 */
export function useCommitted<T>(value: T): RefObject<T> {
  const ref = useRef(value);
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}
