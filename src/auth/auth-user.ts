export const ROLES = ['customer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The caller, as the platform's token describes them. */
export interface AuthUser {
  userId: string;
  email: string;
  role: Role;
  /** The caller's bearer token, forwarded to the User and Inventory Services on their behalf. */
  token: string;
}
