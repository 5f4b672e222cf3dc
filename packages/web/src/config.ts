/**
 * Build-time settings. Without a Supabase URL the dashboard signs in with
 * the local stack's dev issuer, which only `npm start` serves.
 */
export const settings = {
  apiUrl: (import.meta.env.VITE_API_URL ?? "").replace(/\/$/, ""),
  supabaseUrl: (import.meta.env.VITE_SUPABASE_URL ?? "").replace(/\/$/, ""),
  supabaseAnonKey: import.meta.env.VITE_SUPABASE_ANON_KEY ?? "",
};

export const usesSupabase = (): boolean => settings.supabaseUrl !== "";
