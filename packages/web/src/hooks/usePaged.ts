import { useCallback, useEffect, useState } from "react";
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

/** Reads a dashboard list page by page, newest first. */
export function usePaged<T>(
  action: string,
  fields: Record<string, unknown>,
): Paged<T> {
  const api = useApi();
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const key = JSON.stringify([action, fields]);

  const fetchPage = useCallback(
    async (after: string | null, append: boolean) => {
      setLoading(true);
      try {
        const page = await api.dashboard<Page<T>>(action, {
          ...fields,
          ...(after ? { cursor: after } : {}),
        });
        setItems((old) => (append ? [...old, ...page.items] : page.items));
        setCursor(page.next_cursor);
        setError(undefined);
      } catch (failure) {
        setError(failure instanceof Error ? failure.message : String(failure));
      } finally {
        setLoading(false);
      }
    },
    // `key` stands for `fields`, a new object on every render.
    [api, key],
  );

  useEffect(() => {
    void fetchPage(null, false);
  }, [fetchPage]);

  return {
    items,
    error,
    loading,
    hasMore: cursor !== null,
    loadMore: () => void fetchPage(cursor, true),
    reload: () => void fetchPage(null, false),
  };
}
