import { createContext, useContext } from 'react';
import type { ApiClient } from '../api/client';

export interface Session {
  client: ApiClient;
  signOut(): void;
}

export const SessionContext = createContext<Session | null>(null);

/** The signed-in session; pages render only inside one (the app shows the sign-in form otherwise). */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in session');
  return session;
}
