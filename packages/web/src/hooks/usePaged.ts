import { useCallback, useEffect, useRef, useState } from "react";
import { useApi } from "../api/context";
import type { Page } from "../api/client";

export interface Paged<T> {
  items: T[];
  error: string | undefined;
  loading: boolean;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
}

/**
 * Reads a dashboard list page by page, newest first. With `pollMs`, it
 * reads the first page again every `pollMs` in the background, unless the
 * user has loaded older pages, which a fresh first page would drop. A
 * slower, older response never replaces a newer one.
 */
export function usePaged<T>(
  action: string,
  fields: Record<string, unknown>,
  pollMs?: number,
): Paged<T> {
  const api = useApi();
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  const appended = useRef(false);
  const key = JSON.stringify([action, fields]);

  const fetchPage = useCallback(
    async (after: string | null, append: boolean, quiet = false) => {
      const run = ++latest.current;
      // Set before the response arrives, so that a poll does not replace it.
      if (append) appended.current = true;
      if (!quiet) setLoading(true);
      try {
        const page = await api.dashboard<Page<T>>(action, {
          ...fields,
          ...(after ? { cursor: after } : {}),
        });
        if (run !== latest.current) return;
        if (!append) appended.current = false;
        setItems((old) => (append ? [...old, ...page.items] : page.items));
        setCursor(page.next_cursor);
        setError(undefined);
      } catch (failure) {
        if (run !== latest.current) return;
        setError(failure instanceof Error ? failure.message : String(failure));
      } finally {
        if (run === latest.current) setLoading(false);
      }
    },
    // `key` stands for `fields`, a new object on every render.
    [api, key],
  );

  useEffect(() => {
    appended.current = false;
    void fetchPage(null, false);
  }, [fetchPage]);

  useEffect(() => {
    if (!pollMs) return;
    const timer = setInterval(() => {
      if (!appended.current) void fetchPage(null, false, true);
    }, pollMs);
    return () => clearInterval(timer);
  }, [pollMs, fetchPage]);

  return {
    items,
    error,
    loading,
    hasMore: cursor !== null,
    loadMore: () => void fetchPage(cursor, true),
    reload: () => void fetchPage(null, false),
  };
}
