import { createContext, useContext, useMemo, type ReactNode } from "react";
import { ApiError, callGateway, type Gateway } from "./client";

export interface Api {
  email: string;
  dashboard<T>(action: string, fields?: Record<string, unknown>): Promise<T>;
  vmApi<T>(action: string, fields?: Record<string, unknown>): Promise<T>;
}

const ApiContext = createContext<Api | undefined>(undefined);

/**
 * Gives pages the API with the session's token. A 401 means the session
 * ended, so it calls `onExpired`, which returns the user to sign-in.
 */
export function ApiProvider(props: {
  token: string;
  email: string;
  onExpired: () => void;
  children: ReactNode;
}) {
  const { token, email, onExpired } = props;
  const api = useMemo<Api>(() => {
    const call =
      (gateway: Gateway) =>
      async <T,>(action: string, fields: Record<string, unknown> = {}) => {
        try {
          return await callGateway<T>(gateway, token, { action, ...fields });
        } catch (error) {
          if (error instanceof ApiError && error.status === 401) onExpired();
          throw error;
        }
      };
    return { email, dashboard: call("dashboard"), vmApi: call("vm-api") };
  }, [token, email, onExpired]);
  return (
    <ApiContext.Provider value={api}>{props.children}</ApiContext.Provider>
  );
}

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error("useApi outside ApiProvider");
  return api;
}
