import { useLayoutEffect, useRef } from 'react';

/**
 * `list`, or the list last returned while each element of `list` is `same` as the one at its
 * place there: a new array with the same contents keeps memoised children from rendering.
 * Compared without building strings: the page renders several times a patch, and joined id
 * lists were a few percent of what a patch allocates.
 */
export function useStable<T>(list: readonly T[], same: (x: T, y: T) => boolean): readonly T[] {
  const kept = useRef(list);
  const was = kept.current;
  let equal = was.length === list.length;
  for (let i = 0; equal && i < list.length; i++) equal = same(was[i] as T, list[i] as T);
  const out = equal ? was : list;
  useLayoutEffect(() => {
    kept.current = out;
  });
  return out;
}
