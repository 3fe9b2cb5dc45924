interface Paged<T> {
  items: T[];
  next_cursor?: string | null;
}

/**
 * Follows `next_cursor` until the last page (or `maxPages`), for lists a screen needs whole: the directory of people,
 * the teams, the responders on the map. A longer list keeps its last cursor, so the caller can say it is cut short.
 */
export async function collectPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<Paged<T>>,
  maxPages = 5,
): Promise<{ items: T[]; next_cursor: string | null }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const result = await fetchPage(cursor);
    items.push(...result.items);
    if (!result.next_cursor) return { items, next_cursor: null };
    cursor = result.next_cursor;
  }
  return { items, next_cursor: cursor ?? null };
}
